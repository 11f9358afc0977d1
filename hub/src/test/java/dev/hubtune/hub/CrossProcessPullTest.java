package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.FakeHub.File;
import dev.hubtune.hub.testing.PullMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Separate JVMs pulling into one cache: at once, and after one was killed with SIGKILL. */
class CrossProcessPullTest {

    private static final String REPO = "acme/big";

    @TempDir Path tmp;
    private Path cache; // tmp/hub: the hubtune home (tmp/hub.home) sits beside it
    private FakeHub server;
    private byte[] weights;

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("hub");
        server = new FakeHub();
        weights = new byte[4 << 20];
        new Random(3).nextBytes(weights);
        server.publish(REPO, "main", Map.of("model.safetensors", new File(weights, true)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Process child() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        PullMain.class.getName(),
                        cache.toString(),
                        server.endpoint(),
                        "hf:" + REPO)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    @Test
    void twoProcessesPullingAtOnceDownloadOnceAndBothSucceed() throws Exception {
        server.faults.slowMillisPer64k =
                2; // long enough for the second process to queue on the lock
        List<Process> children = List.of(child(), child());
        List<String> dirs = new ArrayList<>();
        for (Process p : children) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a puller hangs");
            List<String> lines =
                    new BufferedReader(
                                    new InputStreamReader(
                                            p.getInputStream(), StandardCharsets.UTF_8))
                            .lines()
                            .toList();
            assertEquals(0, p.exitValue(), "output: " + lines);
            dirs.add(lines.get(lines.size() - 1));
        }
        assertEquals(dirs.get(0), dirs.get(1));
        assertArrayEquals(
                weights, Files.readAllBytes(Path.of(dirs.get(0)).resolve("model.safetensors")));
        long downloads = server.seen().stream().filter(s -> s.server().equals("cdn")).count();
        assertEquals(1, downloads, "the second process must wait for the first and reuse its blob");
    }

    @Test
    void aPullerKilledMidDownloadIsResumedByTheNextOne() throws Exception {
        server.faults.slowMillisPer64k = 20; // ~3 MB/s: the kill lands mid-file
        Process victim = child();
        Path partial =
                cache.resolve(
                        "models--acme--big/blobs/" + FakeHub.sha256Hex(weights) + ".incomplete");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((!Files.exists(partial) || Files.size(partial) < (1 << 20))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        victim.destroyForcibly(); // SIGKILL: no shutdown hooks, the lock file stays behind
        victim.waitFor(30, TimeUnit.SECONDS);
        long kept = Files.size(partial);
        assertTrue(kept >= (1 << 20) && kept < weights.length, "partial bytes kept: " + kept);

        server.faults.slowMillisPer64k = 0;
        server.clearSeen();
        ModelDir dir = PullMain.hub(cache, server.endpoint()).pull("hf:" + REPO);
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
        assertTrue(
                server.seen().stream()
                        .anyMatch(
                                s ->
                                        s.server().equals("cdn")
                                                && s.headers()
                                                        .getOrDefault("range", "")
                                                        .equals("bytes=" + kept + "-")),
                "the new pull resumed at the killed process's offset: " + server.seen());
    }
}
