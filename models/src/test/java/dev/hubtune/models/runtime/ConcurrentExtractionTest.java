package dev.hubtune.models.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two JVMs extracting the real natives into the same empty home at once both succeed. */
class ConcurrentExtractionTest {

    /** Child JVM: waits for the start signal, then extracts and prints the folder. */
    public static void main(String[] args) throws Exception {
        Path natives = Path.of(args[0]);
        Path go = Path.of(args[1]);
        NativeLibraries.Source source =
                NativeLibraries.find(ConcurrentExtractionTest.class.getClassLoader()).orElseThrow();
        System.out.println("ready");
        System.out.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(go) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        System.out.println(NativeLibraries.extract(source, natives));
    }

    @Test
    void twoJvmsRacingLeaveOneIntactCopy(@TempDir Path home) throws Exception {
        Path natives = home.resolve("natives");
        Path go = home.resolve("go");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> children = new ArrayList<>();
        List<BufferedReader> outputs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Process p =
                    new ProcessBuilder(
                                    java,
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    ConcurrentExtractionTest.class.getName(),
                                    natives.toString(),
                                    go.toString())
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
            children.add(p);
            outputs.add(
                    new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
        }
        for (BufferedReader out : outputs) {
            assertEquals("ready", out.readLine());
        }
        Files.createFile(go);
        List<String> dirs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            dirs.add(outputs.get(i).readLine());
            assertTrue(children.get(i).waitFor(180, TimeUnit.SECONDS), "child " + i + " hangs");
            assertEquals(0, children.get(i).exitValue(), "child " + i + " failed");
        }
        assertEquals(dirs.get(0), dirs.get(1));
        Path dir = Path.of(dirs.get(0));
        try (Stream<Path> left = Files.list(natives)) {
            assertEquals(List.of(dir), left.toList(), "exactly one folder, no temporary leftovers");
        }
        NativeLibraries.Source source =
                NativeLibraries.find(getClass().getClassLoader()).orElseThrow();
        assertTrue(NativeLibraries.isComplete(dir, source));
        for (String lib : NativeLibraries.LIBRARIES) {
            try (InputStream jar = source.urls().get(lib).openStream();
                    InputStream file = Files.newInputStream(dir.resolve(lib))) {
                assertEquals(sha256(jar), sha256(file), lib + " differs from the jar's copy");
            }
        }
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream d = new DigestInputStream(in, digest)) {
            d.transferTo(OutputStreamSink.INSTANCE);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Discards bytes; the digest is what counts. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) throws IOException {}
    }
}
