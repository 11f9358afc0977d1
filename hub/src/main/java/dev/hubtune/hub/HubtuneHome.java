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
 *
 * <p>The native libraries (about 650 MB extracted) may live elsewhere: the system property {@value
 * #NATIVES_PROPERTY} or the environment variable {@value #NATIVES_ENV} names their folder, for
 * example when the home is on a {@code noexec} file system or several homes should share one copy.
 */
public final class HubtuneHome {

    /** System property that overrides the home folder. */
    public static final String PROPERTY = "hubtune.home";

    /** Environment variable that overrides the home folder. */
    public static final String ENV = "HUBTUNE_HOME";

    /** System property that puts the extracted native libraries in a folder of their own. */
    public static final String NATIVES_PROPERTY = "hubtune.natives";

    /** Environment variable that puts the extracted native libraries in a folder of their own. */
    public static final String NATIVES_ENV = "HUBTUNE_NATIVES";

    private final Path root;
    private final String source;
    private final Path natives;

    private HubtuneHome(Path root, String source, Properties properties, Map<String, String> env) {
        this.root = root.toAbsolutePath().normalize();
        this.source = source;
        String prop = properties.getProperty(NATIVES_PROPERTY);
        String fromEnv = env.get(NATIVES_ENV);
        Path own =
                notBlank(prop)
                        ? Path.of(prop)
                        : notBlank(fromEnv) ? Path.of(fromEnv) : this.root.resolve("natives");
        this.natives = own.toAbsolutePath().normalize();
    }

    /**
     * A home at an explicit folder (for example from a {@code --home} flag); the natives folder
     * still follows {@value #NATIVES_PROPERTY} or {@value #NATIVES_ENV} when one is set.
     */
    public static HubtuneHome of(Path root) {
        return new HubtuneHome(
                Objects.requireNonNull(root, "root"),
                "explicit",
                System.getProperties(),
                System.getenv());
    }

    /** The home this process uses, from system properties and the environment. */
    public static HubtuneHome fromEnvironment() {
        return resolve(System.getProperties(), System.getenv());
    }

    /** Resolves the home from the given properties and environment (see the class comment). */
    public static HubtuneHome resolve(Properties properties, Map<String, String> env) {
        String prop = properties.getProperty(PROPERTY);
        if (notBlank(prop)) {
            return new HubtuneHome(Path.of(prop), "-D" + PROPERTY, properties, env);
        }
        String fromEnv = env.get(ENV);
        if (notBlank(fromEnv)) {
            return new HubtuneHome(Path.of(fromEnv), ENV, properties, env);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (notBlank(xdg)) {
            return new HubtuneHome(Path.of(xdg, "hubtune"), "XDG_CACHE_HOME", properties, env);
        }
        return new HubtuneHome(
                Path.of(properties.getProperty("user.home"), ".cache", "hubtune"),
                "default",
                properties,
                env);
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

    /**
     * Extracted native libraries (TensorFlow), one folder per natives build: {@code natives} in the
     * root unless {@value #NATIVES_PROPERTY} or {@value #NATIVES_ENV} names another folder.
     */
    public Path natives() {
        return natives;
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
