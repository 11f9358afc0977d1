package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.cache.CacheMaintenance;
import dev.hubtune.hub.cache.RepoDir;
import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.FakeHub.File;
import dev.hubtune.hub.testing.HfCacheRules;
import dev.hubtune.hub.testing.PullMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache shared with huggingface_hub (issue 16): hubtune leaves nothing in it that
 * huggingface_hub's scanner rejects, reads what huggingface_hub wrote, and notices a blob removed
 * under a snapshot.
 */
class SharedCacheTest {

    private static final String REPO = "acme/shared";

    @TempDir Path tmp;
    private Path cache;
    private FakeHub server;
    private byte[] config;
    private byte[] weights;
    private String commit;

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("hub");
        server = new FakeHub();
        config = "{\"model_type\":\"bert\"}".getBytes(StandardCharsets.UTF_8);
        weights = "w".repeat(20_000).getBytes(StandardCharsets.UTF_8);
        Map<String, File> files = new LinkedHashMap<>();
        files.put("config.json", new File(config, false));
        files.put("model.safetensors", new File(weights, true));
        files.put(
                "tokenizer/vocab.txt", new File("[PAD]\n".getBytes(StandardCharsets.UTF_8), false));
        commit = server.publish(REPO, "main", files);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Hub hub() {
        return PullMain.hub(cache, server.endpoint());
    }

    private Hub offlineHub() {
        return PullMain.builder(cache, server.endpoint(), Map.of()).optOffline(true).build();
    }

    @Test
    void pullsLeaveOnlyWhatHuggingFaceHubsScannerAccepts() throws Exception {
        hub().pull("hf:" + REPO);
        server.publishMaven(
                "com/acme/m/1.0/m-1.0.jar",
                ArchiveSourcesTest.zip(Map.of("model/config.json", config)));
        hub().pull("maven:com.acme:m:1.0");
        server.publishMaven(
                "files/model.tar.gz", ArchiveSourcesTest.tgz(Map.of("config.json", config)));
        hub().pull(server.mavenRepository() + "files/model.tar.gz");
        server.publishMaven("files/model.safetensors", weights);
        hub().pull(server.mavenRepository() + "files/model.safetensors");

        assertEquals(List.of(), HfCacheRules.violations(cache));
        try (Stream<Path> root = Files.list(cache)) {
            assertFalse(
                    root.anyMatch(p -> p.getFileName().toString().equals(".hubtune")),
                    "records must not live in the cache");
        }
        // The records are kept in the hubtune home, and still serve offline pulls.
        assertTrue(Files.isDirectory(tmp.resolve("hub.home/snapshot-records")));
        ModelDir offline = offlineHub().pull("hf:" + REPO);
        assertEquals(3, offline.files().size(), "the record lists every file with its sha256");
    }

    @Test
    void recordsOfOlderVersionsInsideTheCacheAreReadAndMovedOut() throws Exception {
        ModelDir dir = hub().pull("hf:" + REPO);
        RepoDir repo = hub().repoFor(ModelRef.parse("hf:" + REPO));
        Path record = hub().cache().metadata(repo, commit);
        Path legacy = cache.resolve(".hubtune/models--acme--shared/" + commit + ".json");
        Files.createDirectories(legacy.getParent());
        Files.move(record, legacy);
        Files.delete(dir.path().resolve("tokenizer/vocab.txt"));

        // The old record still says what the snapshot should hold, so offline mode names the
        // file; and once a hub has opened the cache, the record has moved out of it.
        OfflineException e =
                assertThrows(OfflineException.class, () -> offlineHub().pull("hf:" + REPO));
        assertEquals(List.of("tokenizer/vocab.txt"), e.missing());
        assertFalse(Files.exists(cache.resolve(".hubtune")), "the old records folder is gone");
        assertTrue(Files.isRegularFile(record));
        ModelDir again = hub().pull("hf:" + REPO);
        assertTrue(Files.isRegularFile(again.path().resolve("tokenizer/vocab.txt")));
        assertEquals(List.of(), HfCacheRules.violations(cache));
    }

    /** The cache huggingface_hub's snapshot_download would have written, without a record. */
    private Path writeAsHuggingFaceHub() throws Exception {
        Path repo = cache.resolve("models--acme--shared");
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        Map<String, String> blobs =
                Map.of(
                        "config.json", FakeHub.gitBlobId(config),
                        "model.safetensors", FakeHub.sha256Hex(weights));
        Files.createDirectories(repo.resolve("blobs"));
        Files.write(repo.resolve("blobs").resolve(blobs.get("config.json")), config);
        Files.write(repo.resolve("blobs").resolve(blobs.get("model.safetensors")), weights);
        for (var e : blobs.entrySet()) {
            Path link = snapshot.resolve(e.getKey());
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, Path.of("../../blobs").resolve(e.getValue()));
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        assertEquals(List.of(), HfCacheRules.violations(cache), "a valid huggingface_hub cache");
        return repo;
    }

    @Test
    void aBlobRemovedUnderAHuggingFaceHubSnapshotIsReportedRefusedOfflineAndFetchedOnline()
            throws Exception {
        Path repoDir = writeAsHuggingFaceHub();
        ModelDir trusted = offlineHub().pull("hf:" + REPO);
        assertArrayEquals(config, Files.readAllBytes(trusted.path().resolve("config.json")));

        Files.delete(repoDir.resolve("blobs").resolve(FakeHub.gitBlobId(config)));
        CacheMaintenance maintenance = new CacheMaintenance(hub().cache());
        Optional<RepoDir> repo = Optional.of(hub().repoFor(ModelRef.parse("hf:" + REPO)));
        assertEquals(List.of(), maintenance.verify(repo), "no blob is corrupt: one is missing");
        assertEquals(
                List.of(
                        new CacheMaintenance.MissingFile(
                                "models--acme--shared",
                                commit,
                                "config.json",
                                FakeHub.gitBlobId(config))),
                maintenance.missing(repo));

        OfflineException offline =
                assertThrows(OfflineException.class, () -> offlineHub().pull("hf:" + REPO));
        assertEquals(List.of("config.json"), offline.missing());
        assertTrue(offline.getMessage().contains("missing: config.json"), offline.getMessage());

        ModelDir online = hub().pull("hf:" + REPO);
        assertArrayEquals(config, Files.readAllBytes(online.path().resolve("config.json")));
        assertEquals(List.of(), maintenance.missing(repo));
        assertEquals(List.of(), HfCacheRules.violations(cache));
    }
}
