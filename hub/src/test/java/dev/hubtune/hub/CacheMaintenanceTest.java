package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.cache.CacheMaintenance;
import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.FakeHub.File;
import dev.hubtune.hub.testing.PullMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheMaintenanceTest {

    @Test
    void listVerifyGcAndRemove(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("hub");
        byte[] v1 = "weights-1".getBytes(StandardCharsets.UTF_8);
        byte[] v2 = "weights-2".getBytes(StandardCharsets.UTF_8);
        try (FakeHub server = new FakeHub()) {
            server.publish("acme/m", "main", Map.of("model.safetensors", new File(v1, true)));
            Hub hub = PullMain.hub(cache, server.endpoint());
            ModelDir first = hub.pull("hf:acme/m");
            String commit2 =
                    server.publish(
                            "acme/m", "main", Map.of("model.safetensors", new File(v2, true)));
            hub.pull("hf:acme/m");
            CacheMaintenance maintenance = new CacheMaintenance(hub.cache());

            List<CacheMaintenance.RepoSummary> repos = maintenance.list();
            assertEquals(1, repos.size());
            assertEquals(List.of("main=" + commit2), repos.get(0).refs());
            assertEquals(2, repos.get(0).snapshots().size());

            // Corrupt the v2 blob on disk: verify finds it, names both hashes and removes it.
            Path blob2 = cache.resolve("models--acme--m/blobs").resolve(FakeHub.sha256Hex(v2));
            Files.write(blob2, "tampered".getBytes(StandardCharsets.UTF_8));
            List<CacheMaintenance.Corruption> bad = maintenance.verify(Optional.empty());
            assertEquals(1, bad.size());
            assertEquals(FakeHub.sha256Hex(v2), bad.get(0).expected());
            assertFalse(Files.exists(blob2));
            assertTrue(
                    hub.pull("hf:acme/m").path().resolve("model.safetensors").toFile().length()
                            == v2.length,
                    "the next pull restores the removed blob");

            // gc keeps what snapshots link to.
            assertEquals(0, maintenance.gc(false));
            deleteTree(first.path());
            Path blob1 = cache.resolve("models--acme--m/blobs").resolve(FakeHub.sha256Hex(v1));
            assertEquals(0, maintenance.gc(false), "a fresh blob gets a grace period");
            Files.setLastModifiedTime(
                    blob1,
                    java.nio.file.attribute.FileTime.from(
                            java.time.Instant.now()
                                    .minus(CacheMaintenance.DEFAULT_GRACE)
                                    .minusSeconds(1)));
            assertEquals(v1.length, maintenance.gc(false));

            assertTrue(maintenance.remove(hub.repoFor(ModelRef.parse("hf:acme/m"))) > 0);
            assertEquals(List.of(), maintenance.list());
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
