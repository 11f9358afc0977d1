package dev.hubtune.hub;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The folder where hubtune keeps everything it downloads or extracts: the model cache, the
 * TensorFlow native libraries, and DJL's and JavaCPP's caches. Nothing is written to the user's
 * home outside of it unless the user asks.
 *
 * <p>Resolution order: the system property {@value #PROPERTY}, the environment variable {@value
 * #ENV}, {@code $XDG_CACHE_HOME/hubtune}, then {@code ~/.cache/hubtune}.
 */
public final class HubtuneHome {

    /** System property that overrides the home folder. */
    public static final String PROPERTY = "hubtune.home";

    /** Environment variable that overrides the home folder. */
    public static final String ENV = "HUBTUNE_HOME";

    private final Path root;
    private final String source;

    private HubtuneHome(Path root, String source) {
        this.root = root.toAbsolutePath().normalize();
        this.source = source;
    }

    /** A home at an explicit folder (for example from a {@code --home} flag). */
    public static HubtuneHome of(Path root) {
        return new HubtuneHome(Objects.requireNonNull(root, "root"), "explicit");
    }

    /** The home this process uses, from system properties and the environment. */
    public static HubtuneHome fromEnvironment() {
        return resolve(System.getProperties(), System.getenv());
    }

    /** Resolves the home from the given properties and environment (see the class comment). */
    public static HubtuneHome resolve(Properties properties, Map<String, String> env) {
        String prop = properties.getProperty(PROPERTY);
        if (notBlank(prop)) {
            return new HubtuneHome(Path.of(prop), "-D" + PROPERTY);
        }
        String fromEnv = env.get(ENV);
        if (notBlank(fromEnv)) {
            return new HubtuneHome(Path.of(fromEnv), ENV);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (notBlank(xdg)) {
            return new HubtuneHome(Path.of(xdg, "hubtune"), "XDG_CACHE_HOME");
        }
        return new HubtuneHome(
                Path.of(properties.getProperty("user.home"), ".cache", "hubtune"), "default");
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    /** The root folder. */
    public Path root() {
        return root;
    }

    /** Where the root came from: {@code -Dhubtune.home}, {@code HUBTUNE_HOME}, … */
    public String source() {
        return source;
    }

    /** Model cache in the huggingface_hub layout ({@code models--org--name/...}). */
    public Path hubCache() {
        return root.resolve("hub");
    }

    /**
     * hubtune's records of the snapshots it pulled (file lists with sha256), one folder per model
     * cache. They live here, outside the cache, because huggingface_hub's {@code scan_cache_dir}
     * rejects anything in a shared cache that is not one of its own repository folders.
     */
    public Path snapshotRecords() {
        return root.resolve("snapshot-records");
    }

    /** Extracted native libraries (TensorFlow), one folder per natives build. */
    public Path natives() {
        return root.resolve("natives");
    }

    /** DJL's cache folder ({@code DJL_CACHE_DIR}), kept inside the home. */
    public Path djlCache() {
        return root.resolve("djl");
    }

    /** JavaCPP's cache folder ({@code org.bytedeco.javacpp.cachedir}), kept inside the home. */
    public Path javacppCache() {
        return root.resolve("javacpp");
    }

    /** Logs of failed runs (the CLI points users here on internal errors). */
    public Path logs() {
        return root.resolve("logs");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HubtuneHome other && other.root.equals(root);
    }

    @Override
    public int hashCode() {
        return root.hashCode();
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
