package dev.hubtune.models.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction logic on tiny stand-in libraries (the real jar is covered by the two-JVM test). */
class NativeLibrariesTest {

    private static NativeLibraries.Source fakeSource(Path dir, String content) throws IOException {
        Map<String, URL> urls = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String lib : NativeLibraries.LIBRARIES) {
            Path file = dir.resolve(lib);
            Files.writeString(file, content + lib);
            urls.put(lib, file.toUri().toURL());
            sizes.put(lib, Files.size(file));
        }
        return new NativeLibraries.Source("linux-x86_64", urls, sizes, "test");
    }

    @Test
    void extractsOnceAndReusesTheCompleteFolder(@TempDir Path tmp) throws Exception {
        Path jar = Files.createDirectories(tmp.resolve("jar"));
        NativeLibraries.Source source = fakeSource(jar, "v1-");
        Path root = tmp.resolve("natives");
        Path dir = NativeLibraries.extract(source, root);
        assertEquals(root.resolve("tensorflow-linux-x86_64-test"), dir);
        for (String lib : NativeLibraries.LIBRARIES) {
            assertEquals("v1-" + lib, Files.readString(dir.resolve(lib)));
        }
        long modified = Files.getLastModifiedTime(dir.resolve(NativeLibraries.MARKER)).toMillis();
        Thread.sleep(20);
        assertEquals(dir, NativeLibraries.extract(source, root));
        assertEquals(
                modified,
                Files.getLastModifiedTime(dir.resolve(NativeLibraries.MARKER)).toMillis());
        assertEquals(1, countChildren(root), "no temporary folder left behind");
    }

    @Test
    void aDamagedFolderIsReplacedByACompleteOne(@TempDir Path tmp) throws Exception {
        NativeLibraries.Source source =
                fakeSource(Files.createDirectories(tmp.resolve("jar")), "x-");
        Path root = tmp.resolve("natives");
        Path dir = NativeLibraries.extract(source, root);
        Files.writeString(dir.resolve("libtensorflow_cc.so.2"), "trunc");
        assertFalse(NativeLibraries.isComplete(dir, source));
        assertEquals(dir, NativeLibraries.extract(source, root));
        assertTrue(NativeLibraries.isComplete(dir, source));
        assertEquals(
                "x-libtensorflow_cc.so.2", Files.readString(dir.resolve("libtensorflow_cc.so.2")));
        assertEquals(1, countChildren(root));
    }

    @Test
    void foldersAbandonedByDeadProcessesAreRemoved(@TempDir Path tmp) throws Exception {
        NativeLibraries.Source source =
                fakeSource(Files.createDirectories(tmp.resolve("jar")), "y-");
        Path root = Files.createDirectories(tmp.resolve("natives"));
        // pid 2^22+1 is above Linux's pid_max default: nobody owns this folder.
        Path abandoned = Files.createDirectories(root.resolve(".tmp-4194305-abc"));
        Files.writeString(abandoned.resolve("libtensorflow_cc.so.2"), "half");
        Path live =
                Files.createDirectories(
                        root.resolve(".tmp-" + ProcessHandle.current().pid() + "-x"));
        NativeLibraries.extract(source, root);
        assertFalse(Files.exists(abandoned));
        assertTrue(Files.exists(live), "a live process's folder is left alone");
    }

    @Test
    void aShortCopyFailsAndLeavesNoFolderAtTheFinalPath(@TempDir Path tmp) throws Exception {
        NativeLibraries.Source good = fakeSource(Files.createDirectories(tmp.resolve("jar")), "z-");
        Map<String, Long> wrong = new LinkedHashMap<>(good.sizes());
        wrong.put("libjnitensorflow.so", 999L);
        NativeLibraries.Source bad =
                new NativeLibraries.Source("linux-x86_64", good.urls(), wrong, "test");
        Path root = tmp.resolve("natives");
        IOException e = assertThrows(IOException.class, () -> NativeLibraries.extract(bad, root));
        assertTrue(e.getMessage().contains("libjnitensorflow.so"), e.getMessage());
        assertFalse(Files.exists(root.resolve(bad.folderName())));
        assertEquals(0, countChildren(root));
    }

    @Test
    void findsNothingWithoutTheNativesJar() throws Exception {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            assertTrue(NativeLibraries.find(empty).isEmpty());
        }
        String message = TensorFlowRuntime.missingNativesMessage();
        assertTrue(message.contains("<artifactId>tensorflow-core-native</artifactId>"), message);
        assertTrue(message.contains("<version>1.1.0</version>"), message);
        assertTrue(message.contains("linux-x86_64"), message);
    }

    @Test
    void findsTheRealNativesJarOnTheTestClassPath() throws Exception {
        NativeLibraries.Source source =
                NativeLibraries.find(getClass().getClassLoader()).orElseThrow();
        assertEquals("linux-x86_64", source.classifier());
        assertTrue(source.sizes().get("libtensorflow_cc.so.2") > 100_000_000L, source.toString());
    }

    @Test
    void onlyLinuxX8664IsSupported() {
        assertTrue(NativeLibraries.platformSupported("Linux", "amd64"));
        assertTrue(NativeLibraries.platformSupported("Linux", "x86_64"));
        assertFalse(NativeLibraries.platformSupported("Mac OS X", "aarch64"));
        assertFalse(NativeLibraries.platformSupported("Linux", "aarch64"));
        assertFalse(NativeLibraries.platformSupported("Windows 11", "amd64"));
    }

    private static long countChildren(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.count();
        }
    }
}
