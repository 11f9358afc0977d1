package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.cache.CacheMaintenance;
import dev.hubtune.hub.cache.PullLock;
import dev.hubtune.hub.cache.RepoDir;
import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.FakeHub.File;
import dev.hubtune.hub.testing.GcMain;
import dev.hubtune.hub.testing.HfCacheRules;
import dev.hubtune.hub.testing.PullMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gc while pulls run (issue 24 item 2): it skips what a pull holds, in this JVM or another. */
class GcDuringPullTest {

    private static final String REPO = "acme/gc";

    @TempDir Path tmp;
    private Path cache;
    private FakeHub server;
    private byte[] first;
    private byte[] second;

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("hub");
        server = new FakeHub();
        first = new byte[300_000];
        second = new byte[300_000];
        new Random(7).nextBytes(first);
        new Random(8).nextBytes(second);
        Map<String, File> files = new LinkedHashMap<>();
        files.put("a.safetensors", new File(first, true));
        files.put("b.safetensors", new File(second, true));
        server.publish(REPO, "main", files);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void gcDuringAPullFreesNeitherDownloadedUnlinkedBlobsNorTheRunningPartial() throws Exception {
        List<Long> freed = new CopyOnWriteArrayList<>();
        List<Boolean> partialSeen = new CopyOnWriteArrayList<>();
        Path blobs = cache.resolve("models--acme--gc/blobs");
        Path partial = blobs.resolve(FakeHub.sha256Hex(second) + ".incomplete");
        // The worst moments: the first file is downloaded but not linked (links come last), and
        // the second is being written. gc without any grace period runs right then.
        PullListener gcAtTheWorstMoment =
                new PullListener() {
                    CacheMaintenance gc;

                    @Override
                    public void fileDone(String path, boolean cached) {
                        run();
                    }

                    @Override
                    public void bytesRead(String path, long bytes) {
                        if (path.equals("b.safetensors") && partialSeen.isEmpty()) {
                            partialSeen.add(Files.exists(partial));
                            run();
                        }
                    }

                    private void run() {
                        try {
                            gc =
                                    new CacheMaintenance(
                                            new dev.hubtune.hub.cache.HubCache(
                                                    cache,
                                                    tmp.resolve("hub.home/snapshot-records")));
                            freed.add(gc.gc(true, Duration.ZERO));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                };
        server.faults.slowMillisPer64k = 1;
        ModelDir dir =
                PullMain.builder(cache, server.endpoint(), Map.of())
                        .optParallelDownloads(1)
                        .optListener(gcAtTheWorstMoment)
                        .build()
                        .pull("hf:" + REPO);
        assertEquals(List.of(true), partialSeen, "gc ran while the partial was being written");
        assertTrue(freed.size() >= 3, "gc ran " + freed.size() + " times");
        assertTrue(
                freed.stream().allMatch(f -> f == 0), "gc freed bytes of a running pull: " + freed);
        assertArrayEquals(first, Files.readAllBytes(dir.path().resolve("a.safetensors")));
        assertArrayEquals(second, Files.readAllBytes(dir.path().resolve("b.safetensors")));
        assertEquals(List.of(), HfCacheRules.violations(cache));
        assertEquals(
                List.of(),
                new CacheMaintenance(PullMain.hub(cache, server.endpoint()).cache())
                        .missing(java.util.Optional.empty()));
    }

    @Test
    void gcInAnotherProcessWaitsForThePullLockAndFreshFilesHaveAGracePeriod() throws Exception {
        Hub hub = PullMain.hub(cache, server.endpoint());
        hub.pull("hf:" + REPO);
        RepoDir repo = hub.repoFor(ModelRef.parse("hf:" + REPO));
        Path orphan = repo.dir().resolve("blobs").resolve("0".repeat(64));
        Files.write(orphan, "not linked".getBytes(StandardCharsets.UTF_8));

        // Fresh: kept by the grace period (huggingface_hub takes no lock hubtune can see).
        CacheMaintenance maintenance = new CacheMaintenance(hub.cache());
        assertEquals(0, maintenance.gc(true));
        Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minusSeconds(3600)));

        try (PullLock pull = PullLock.shared(repo.pullLockFile())) {
            assertEquals("0", gcInChild(), "another process's gc skips a repository being pulled");
            assertTrue(Files.exists(orphan));
        }
        assertEquals(String.valueOf("not linked".length()), gcInChild());
        assertTrue(Files.notExists(orphan));
    }

    private String gcInChild() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "-cp",
                                System.getProperty("java.class.path"),
                                GcMain.class.getName(),
                                cache.toString(),
                                tmp.resolve("hub.home/snapshot-records").toString())
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
