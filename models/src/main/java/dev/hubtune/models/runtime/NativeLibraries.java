package dev.hubtune.models.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TensorFlow native libraries packaged in {@code org.tensorflow:tensorflow-core-native}'s
 * platform jar, and their one-time extraction into a folder of the hubtune home.
 *
 * <p>Extraction is safe across processes without a lock: each process writes into its own temporary
 * folder, checks it, and renames it into place atomically. The first rename wins; a loser finds a
 * complete folder and deletes its own copy. A folder is only ever visible under its final name when
 * it is complete.
 */
final class NativeLibraries {

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibraries.class);

    /** Load order matters: the framework before the C++ library before the JNI bindings. */
    static final List<String> LIBRARIES =
            List.of("libtensorflow_framework.so.2", "libtensorflow_cc.so.2", "libjnitensorflow.so");

    /** Classifiers we look for, preferred first (a GPU build when both are present). */
    static final List<String> CLASSIFIERS = List.of("linux-x86_64-gpu", "linux-x86_64");

    static final String MARKER = "hubtune-natives.properties";
    private static final String RESOURCE_ROOT = "org/tensorflow/internal/c_api/";
    private static final String TMP_PREFIX = ".tmp-";

    /**
     * The natives found on a class path.
     *
     * @param classifier Maven classifier of the jar the libraries come from
     * @param urls resource URL of each library, in load order
     * @param sizes size in bytes of each library, in load order
     * @param id a short fingerprint of the jar (name and sizes), so another build gets its own
     *     folder
     */
    record Source(String classifier, Map<String, URL> urls, Map<String, Long> sizes, String id) {
        Source {
            urls = Map.copyOf(urls);
            sizes = Map.copyOf(sizes);
        }

        String folderName() {
            return "tensorflow-" + classifier + "-" + id;
        }
    }

    private NativeLibraries() {}

    /** True when this JVM runs on a platform TensorFlow's Maven natives exist for. */
    static boolean platformSupported(String osName, String osArch) {
        String os = osName.toLowerCase(java.util.Locale.ROOT);
        String arch = osArch.toLowerCase(java.util.Locale.ROOT);
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /** Looks for a natives jar on the class path of {@code loader}. */
    static Optional<Source> find(ClassLoader loader) throws IOException {
        for (String classifier : CLASSIFIERS) {
            Map<String, URL> urls = new LinkedHashMap<>();
            for (String lib : LIBRARIES) {
                URL url = loader.getResource(RESOURCE_ROOT + classifier + "/" + lib);
                if (url != null) {
                    urls.put(lib, url);
                }
            }
            if (urls.size() == LIBRARIES.size()) {
                Map<String, Long> sizes = new LinkedHashMap<>();
                StringBuilder fingerprint = new StringBuilder(classifier);
                for (var e : urls.entrySet()) {
                    long size = sizeOf(e.getValue());
                    sizes.put(e.getKey(), size);
                    fingerprint.append('|').append(jarName(e.getValue())).append(':').append(size);
                }
                return Optional.of(new Source(classifier, urls, sizes, shortHash(fingerprint)));
            }
        }
        return Optional.empty();
    }

    /**
     * Returns a folder under {@code nativesRoot} holding the complete, verified libraries of {@code
     * source}, extracting them first if no process did it before.
     */
    static Path extract(Source source, Path nativesRoot) throws IOException {
        Path target = nativesRoot.resolve(source.folderName());
        if (isComplete(target, source)) {
            return target;
        }
        Files.createDirectories(nativesRoot);
        removeAbandonedTemporaryFolders(nativesRoot);
        Path tmp =
                nativesRoot.resolve(
                        TMP_PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        try {
            Files.createDirectory(tmp);
            LOG.info(
                    "Extracting TensorFlow natives ({} MB) to {}",
                    source.sizes().values().stream().mapToLong(Long::longValue).sum() >> 20,
                    target);
            Properties marker = new Properties();
            for (String lib : LIBRARIES) {
                Path file = tmp.resolve(lib);
                try (InputStream in = source.urls().get(lib).openStream()) {
                    Files.copy(in, file);
                }
                long expected = source.sizes().get(lib);
                long actual = Files.size(file);
                if (expected >= 0 && actual != expected) {
                    throw new IOException(
                            "extracted "
                                    + lib
                                    + " has "
                                    + actual
                                    + " bytes, the jar says "
                                    + expected
                                    + "; the natives jar in ~/.m2 may be corrupt: delete it and"
                                    + " build again");
                }
                marker.setProperty(lib, Long.toString(actual));
            }
            try (OutputStream out = Files.newOutputStream(tmp.resolve(MARKER))) {
                marker.store(out, "complete extraction of " + source.folderName());
            }
            moveIntoPlace(tmp, target, source);
            return target;
        } finally {
            deleteRecursively(tmp);
        }
    }

    private static void moveIntoPlace(Path tmp, Path target, Source source) throws IOException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(
                        "the file system of "
                                + target.getParent()
                                + " cannot rename atomically; set HUBTUNE_HOME to a local disk",
                        e);
            } catch (FileSystemException raced) {
                // rename(2) onto a non-empty folder fails with ENOTEMPTY, which the JDK reports as
                // a plain FileSystemException: another process got there first.
                if (!Files.exists(target)) {
                    throw raced;
                }
                if (isComplete(target, source)) {
                    LOG.debug("Another process extracted {} first; using its copy", target);
                    return;
                }
                // A damaged folder (e.g. files deleted by hand): move it aside, then retry.
                Path aside = target.resolveSibling(TMP_PREFIX + "damaged-" + UUID.randomUUID());
                try {
                    Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException gone) {
                    LOG.debug("Could not move damaged {} aside: {}", target, gone.toString());
                }
                deleteRecursively(aside);
            }
        }
        if (!isComplete(target, source)) {
            throw new IOException("could not put the TensorFlow natives in place at " + target);
        }
    }

    /** True when {@code dir} holds every library with the size its marker and the jar agree on. */
    static boolean isComplete(Path dir, Source source) {
        Path markerFile = dir.resolve(MARKER);
        if (!Files.isRegularFile(markerFile)) {
            return false;
        }
        Properties marker = new Properties();
        try (InputStream in = Files.newInputStream(markerFile)) {
            marker.load(in);
            for (String lib : LIBRARIES) {
                long size = Files.size(dir.resolve(lib));
                String recorded = marker.getProperty(lib);
                long expected = source.sizes().get(lib);
                if (recorded == null
                        || Long.parseLong(recorded) != size
                        || (expected >= 0 && expected != size)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Temporary folders of processes that died mid-extraction (SIGKILL, power loss). */
    private static void removeAbandonedTemporaryFolders(Path nativesRoot) throws IOException {
        List<Path> abandoned = new ArrayList<>();
        try (Stream<Path> children = Files.list(nativesRoot)) {
            children.filter(p -> p.getFileName().toString().startsWith(TMP_PREFIX))
                    .filter(p -> !ownerAlive(p.getFileName().toString()))
                    .forEach(abandoned::add);
        }
        for (Path p : abandoned) {
            LOG.debug("Removing abandoned extraction folder {}", p);
            deleteRecursively(p);
        }
    }

    private static boolean ownerAlive(String tmpName) {
        String rest = tmpName.substring(TMP_PREFIX.length());
        int dash = rest.indexOf('-');
        try {
            long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false; // ".tmp-damaged-…": nobody owns it
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder())
                    .forEach(
                            p -> {
                                try {
                                    Files.deleteIfExists(p);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static long sizeOf(URL url) throws IOException {
        URLConnection connection = url.openConnection();
        connection.setUseCaches(false);
        if (connection instanceof JarURLConnection jar) {
            return jar.getJarEntry().getSize();
        }
        return connection.getContentLengthLong();
    }

    private static String jarName(URL url) {
        String s = url.toString();
        int bang = s.indexOf("!/");
        String jar = bang < 0 ? s : s.substring(0, bang);
        return jar.substring(jar.lastIndexOf('/') + 1);
    }

    private static String shortHash(CharSequence text) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
