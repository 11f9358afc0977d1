package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.FakeHub.File;
import dev.hubtune.hub.testing.PullMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real HTTP server on 127.0.0.1 that speaks the Hub API, with faults injected. */
class HubPullTest {

    private static final String REPO = "acme/tiny-bert";

    @TempDir Path tmp;
    private Path cache; // tmp/hub: the hubtune home (tmp/hub.home) sits beside it
    private FakeHub server;
    private byte[] weights;
    private byte[] config;
    private String commit;

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("hub");
        server = new FakeHub();
        weights = new byte[700_000];
        new Random(1).nextBytes(weights);
        config = "{\"model_type\":\"bert\",\"hidden_size\":32}".getBytes(StandardCharsets.UTF_8);
        Map<String, File> files = new LinkedHashMap<>();
        files.put("config.json", new File(config, false));
        files.put("model.safetensors", new File(weights, true));
        files.put("pytorch_model.bin", new File(new byte[] {1, 2, 3}, true));
        files.put("flax_model.msgpack", new File(new byte[] {4, 5}, true));
        files.put(
                "tokenizer/vocab.txt",
                new File("[PAD]\n[UNK]\n".getBytes(StandardCharsets.UTF_8), false));
        commit = server.publish(REPO, "main", files);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Hub hub() {
        return PullMain.hub(cache, server.endpoint());
    }

    @Test
    void fullPullBuildsAHuggingFaceLayoutOfVerifiedBlobs() throws Exception {
        ModelDir dir = hub().pull("hf:" + REPO);
        Path repo = cache.resolve("models--acme--tiny-bert");
        assertEquals(repo.resolve("snapshots").resolve(commit), dir.path());
        assertEquals(commit, Files.readString(repo.resolve("refs/main")));
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
        assertArrayEquals(config, Files.readAllBytes(dir.path().resolve("config.json")));
        assertTrue(Files.isRegularFile(dir.path().resolve("tokenizer/vocab.txt")));
        // LFS blobs are named by sha256, small files by their git blob id, as huggingface_hub does.
        assertTrue(Files.isSymbolicLink(dir.path().resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(repo.resolve("blobs").resolve(FakeHub.sha256Hex(weights))));
        assertTrue(Files.isRegularFile(repo.resolve("blobs").resolve(FakeHub.gitBlobId(config))));
        // Formats we cannot load are skipped: PyTorch pickles when safetensors exist, Flax always.
        assertFalse(Files.exists(dir.path().resolve("pytorch_model.bin")));
        assertFalse(Files.exists(dir.path().resolve("flax_model.msgpack")));
        assertEquals(3, dir.files().size());
        assertEquals(FakeHub.sha256Hex(config), file(dir, "config.json").sha256());
        try (Stream<Path> blobs = Files.list(repo.resolve("blobs"))) {
            assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")));
        }
    }

    @Test
    void includePatternsTakeOnlyWhatIsAsked() throws Exception {
        ModelDir dir =
                hub().pull(
                                ModelRef.parse("hf:" + REPO),
                                new PullOptions(List.of("*.json", "*.bin"), List.of()));
        assertEquals(
                List.of("config.json", "pytorch_model.bin"),
                dir.files().stream().map(ModelDir.CachedFile::path).sorted().toList());
    }

    @Test
    void aNewRevisionReusesBlobsItShares() throws Exception {
        hub().pull("hf:" + REPO);
        Map<String, File> v2 = new LinkedHashMap<>();
        v2.put(
                "config.json",
                new File("{\"hidden_size\":64}".getBytes(StandardCharsets.UTF_8), false));
        v2.put("model.safetensors", new File(weights, true));
        String commit2 = server.publish(REPO, "main", v2);
        server.clearSeen();
        ModelDir dir = hub().pull("hf:" + REPO);
        assertEquals(commit2, dir.commit());
        assertTrue(
                server.seen().stream().noneMatch(s -> s.server().equals("cdn")),
                "weights were downloaded again: " + server.seen());
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
    }

    @Test
    void aDroppedConnectionResumesWithRange() throws Exception {
        server.faults.dropAfterBytes = 300_000;
        server.faults.dropTimes.set(1);
        ModelDir dir = hub().pull("hf:" + REPO);
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
        assertTrue(
                server.seen().stream()
                        .anyMatch(
                                s ->
                                        s.server().equals("cdn")
                                                && s.headers()
                                                        .getOrDefault("range", "")
                                                        .startsWith("bytes=")),
                "no Range request: " + server.seen());
    }

    @Test
    void aServerIgnoringRangeMeansStartingOverNotCorruption() throws Exception {
        server.faults.dropAfterBytes = 300_000;
        server.faults.dropTimes.set(1);
        server.faults.ignoreRange = true;
        ModelDir dir = hub().pull("hf:" + REPO);
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
    }

    @Test
    void wrongBytesAreRejectedAndNothingIsKept() throws Exception {
        byte[] evil = weights.clone();
        evil[12345] ^= 1;
        server.faults.substitute = evil;
        IntegrityException e =
                assertThrows(IntegrityException.class, () -> hub().pull("hf:" + REPO));
        assertTrue(
                e.getMessage().contains("expected sha256:" + FakeHub.sha256Hex(weights)),
                e.getMessage());
        assertTrue(
                e.getMessage().contains("got sha256:" + FakeHub.sha256Hex(evil)), e.getMessage());
        Path blobs = cache.resolve("models--acme--tiny-bert/blobs");
        assertFalse(Files.exists(blobs.resolve(FakeHub.sha256Hex(weights))));
        // The rejected file leaves no partial behind (other files may keep resumable partials).
        assertFalse(Files.exists(blobs.resolve(FakeHub.sha256Hex(weights) + ".incomplete")));
        assertFalse(
                Files.exists(cache.resolve("models--acme--tiny-bert/refs/main")),
                "no ref to a broken snapshot");
    }

    @Test
    void aWrongSizeIsRejected() throws Exception {
        server.faults.substitute = new byte[1000];
        IntegrityException e =
                assertThrows(IntegrityException.class, () -> hub().pull("hf:" + REPO));
        assertTrue(e.getMessage().contains("expected 700000 bytes, got 1000"), e.getMessage());
    }

    @Test
    void missingRepositoryRevisionAndGatedRepoGetDistinctErrors() throws Exception {
        ModelNotFoundException repo =
                assertThrows(ModelNotFoundException.class, () -> hub().pull("hf:acme/nope"));
        assertEquals(ModelNotFoundException.What.REPOSITORY, repo.what());
        ModelNotFoundException rev =
                assertThrows(ModelNotFoundException.class, () -> hub().pull("hf:" + REPO + "@v9"));
        assertEquals(ModelNotFoundException.What.REVISION, rev.what());
        server.gate(REPO, "hf_good");
        AccessDeniedException gated =
                assertThrows(AccessDeniedException.class, () -> hub().pull("hf:" + REPO));
        assertTrue(
                gated.getMessage().contains("gated") && gated.getMessage().contains("HF_TOKEN"),
                gated.getMessage());
        Hub wrongToken =
                PullMain.builder(cache, server.endpoint(), Map.of())
                        .optToken(Optional.of("hf_bad"))
                        .build();
        AccessDeniedException denied =
                assertThrows(AccessDeniedException.class, () -> wrongToken.pull("hf:" + REPO));
        assertTrue(denied.getMessage().contains("gated"), denied.getMessage());
    }

    @Test
    void theTokenGoesToTheHubButNeverToTheCdn() throws Exception {
        server.gate(REPO, "hf_good");
        Hub withToken =
                PullMain.builder(cache, server.endpoint(), Map.of())
                        .optToken(Optional.of("hf_good"))
                        .build();
        withToken.pull("hf:" + REPO);
        List<FakeHub.Seen> cdn =
                server.seen().stream().filter(s -> s.server().equals("cdn")).toList();
        assertFalse(cdn.isEmpty());
        assertTrue(
                cdn.stream().noneMatch(s -> s.headers().containsKey("authorization")),
                "token leaked to the CDN");
        assertTrue(
                server.seen().stream()
                        .filter(s -> s.server().equals("hub"))
                        .allMatch(s -> "Bearer hf_good".equals(s.headers().get("authorization"))));
    }

    @Test
    void rateLimitsAndServerErrorsAreRetried() throws Exception {
        server.faults.rateLimit429.set(1);
        server.faults.fail503.set(2);
        long start = System.nanoTime();
        ModelDir dir = hub().pull("hf:" + REPO);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
        assertTrue(elapsedMs >= 900, "Retry-After: 1 was not honoured (" + elapsedMs + " ms)");
    }

    @Test
    void pathsThatLeaveTheSnapshotAreRefused() throws Exception {
        for (String bad : List.of("../evil.txt", "/etc/evil", "a/../../evil", "a//b")) {
            server.publish("acme/evil", "main", Map.of(bad, new File(new byte[] {1}, false)));
            InvalidReferenceException e =
                    assertThrows(
                            InvalidReferenceException.class, () -> hub().pull("hf:acme/evil"), bad);
            assertTrue(e.getMessage().contains("refusing"), e.getMessage());
        }
        assertFalse(Files.exists(cache.resolve("evil.txt")));
        assertFalse(Files.exists(cache.resolve("models--acme--evil/snapshots")));
    }

    @Test
    void offlineModeServesTheCacheAndNamesWhatIsMissing() throws Exception {
        ModelDir online = hub().pull("hf:" + REPO);
        server.close(); // nothing listens any more
        // The same hubtune home (where the snapshot records are), nothing of the network.
        Hub offline =
                PullMain.builder(cache, "http://127.0.0.1:9", Map.of()).optOffline(true).build();
        ModelDir dir = offline.pull("hf:" + REPO);
        assertEquals(online.path(), dir.path());
        assertEquals(online.files(), dir.files());

        OfflineException notCached =
                assertThrows(OfflineException.class, () -> offline.pull("hf:acme/other"));
        assertEquals(List.of("hf:acme/other"), notCached.missing());
        assertTrue(notCached.getMessage().contains("offline"), notCached.getMessage());

        Files.delete(dir.path().resolve("model.safetensors"));
        OfflineException partial =
                assertThrows(OfflineException.class, () -> offline.pull("hf:" + REPO));
        assertEquals(List.of("model.safetensors"), partial.missing());
    }

    private static PullListener recording(List<String> warnings) {
        return new PullListener() {
            @Override
            public void warning(String message) {
                warnings.add(message);
            }
        };
    }

    @Test
    void anUnreachableHubFallsBackToTheCompleteCachedBranchAtOnce() throws Exception {
        ModelDir online = hub().pull("hf:" + REPO);
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        Hub hub =
                PullMain.builder(cache, server.endpoint(), Map.of())
                        .optListener(recording(warnings))
                        .optRetryPolicy(
                                new dev.hubtune.hub.http.HttpTransport.RetryPolicy(
                                        5,
                                        java.time.Duration.ofSeconds(1),
                                        java.time.Duration.ofSeconds(5),
                                        java.time.Duration.ofSeconds(2),
                                        java.time.Duration.ofSeconds(2)))
                        .build();
        server.close(); // connection refused from now on
        long start = System.nanoTime();
        ModelDir dir = hub.pull("hf:" + REPO);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(online.path(), dir.path());
        assertEquals(online.files(), dir.files());
        assertTrue(ms < 900, "connection refused must not be retried: " + ms + " ms");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(
                warnings.get(0).contains("using the cached commit " + commit)
                        && warnings.get(0).contains("connection refused"),
                warnings.get(0));

        // Nothing cached: the real cause, at once.
        NetworkException e =
                assertThrows(NetworkException.class, () -> hub.pull("hf:acme/not-cached"));
        assertEquals(NetworkException.Kind.CONNECTION_REFUSED, e.kind());
    }

    @Test
    void aHubAnsweringServerErrorsFallsBackAfterItsRetries() throws Exception {
        ModelDir online = hub().pull("hf:" + REPO);
        server.route(
                "/api/models/" + REPO + "/revision/main",
                ex -> FakeHub.send(ex, 503, "maintenance", Map.of()));
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        ModelDir dir =
                PullMain.builder(cache, server.endpoint(), Map.of())
                        .optListener(recording(warnings))
                        .build()
                        .pull("hf:" + REPO);
        assertEquals(online.path(), dir.path());
        assertTrue(warnings.get(0).contains("HTTP 503"), warnings.toString());
        long apiCalls =
                server.seen().stream().filter(s -> s.path().startsWith("/api/models/")).count();
        assertEquals(1 + 4, apiCalls, "the first pull, then 4 attempts: one retry layer");
    }

    @Test
    void threadsPullingTheSameModelShareOneDownload() throws Exception {
        Hub hub = hub();
        List<Thread> threads = new java.util.ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    hub.pull("hf:" + REPO);
                                } catch (Throwable e) {
                                    errors.add(e);
                                }
                            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), errors);
        long weightDownloads =
                server.seen().stream()
                        .filter(
                                s ->
                                        s.server().equals("cdn")
                                                && s.path().contains(FakeHub.sha256Hex(weights)))
                        .count();
        assertEquals(1, weightDownloads, "the blob lock lets exactly one thread download");
    }

    private static ModelDir.CachedFile file(ModelDir dir, String path) {
        return dir.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
    }
}
