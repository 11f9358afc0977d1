package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.PullMain;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zip bombs, links and pages that are not archives (issue 24 item 5): refused, nothing kept. */
class ArchiveLimitsTest {

    @TempDir Path tmp;
    private Path cache;
    private FakeHub server;

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("hub");
        server = new FakeHub();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ModelDir pull(String file, byte[] bytes, Map<String, String> env) throws Exception {
        server.publishMaven("files/" + file, bytes);
        return PullMain.builder(cache, server.endpoint(), env)
                .build()
                .pull(server.mavenRepository() + "files/" + file);
    }

    private ArchiveException refused(String file, byte[] bytes, Map<String, String> env) {
        ArchiveException e = assertThrows(ArchiveException.class, () -> pull(file, bytes, env));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    /** Nothing of a refused archive stays: no blob, no staging folder, no snapshot, no ref. */
    private void assertNothingKept() throws Exception {
        try (Stream<Path> repos = Files.list(cache)) {
            for (Path repo :
                    repos.filter(p -> p.getFileName().toString().startsWith("models--")).toList()) {
                Path blobs = repo.resolve("blobs");
                if (Files.isDirectory(blobs)) {
                    try (Stream<Path> left = Files.list(blobs)) {
                        assertEquals(List.of(), left.toList(), "left in " + blobs);
                    }
                }
                assertFalse(Files.exists(repo.resolve("snapshots")), "a snapshot was made");
                assertFalse(Files.exists(repo.resolve("refs")), "a ref was written");
            }
        }
    }

    private static byte[] zip(Map<String, byte[]> entries) throws Exception {
        return ArchiveSourcesTest.zip(entries);
    }

    @Test
    void aZipBombIsRefusedEarlyByItsCompressionRatio() throws Exception {
        byte[] bomb = zip(Map.of("model.safetensors", new byte[30 << 20])); // 30 MB of zeros
        assertTrue(bomb.length < 100_000, "compresses ~1000:1: " + bomb.length);
        ArchiveException e = refused("bomb.zip", bomb, Map.of());
        assertTrue(
                e.getMessage().startsWith("bomb.zip")
                        && e.getMessage().contains("HUBTUNE_UNPACK_MAX_RATIO=100")
                        && e.getMessage().contains("zip bomb"),
                e.getMessage());
        assertNothingKept();

        // Hidden behind incompressible bytes the total stays under 100x, the entry does not.
        byte[] random = new byte[3 << 20];
        new Random(4).nextBytes(random);
        Map<String, byte[]> hidden = new LinkedHashMap<>();
        hidden.put("model.safetensors", random);
        hidden.put("padding.bin", new byte[30 << 20]);
        ArchiveException entry = refused("hidden.zip", zip(hidden), Map.of());
        assertTrue(
                entry.getMessage().contains("entry padding.bin expands more than 100 times"),
                entry.getMessage());
        assertNothingKept();
    }

    @Test
    void aTarGzBombIsRefusedToo() throws Exception {
        byte[] bomb = ArchiveSourcesTest.tgz(Map.of("model.bin", new byte[30 << 20]));
        ArchiveException e = refused("bomb.tar.gz", bomb, Map.of());
        assertTrue(
                e.getMessage().startsWith("bomb.tar.gz") && e.getMessage().contains("zip bomb"),
                e.getMessage());
        assertNothingKept();
    }

    @Test
    void theLimitsAreSettingsTotalBytesEntriesAndRatio() throws Exception {
        byte[] random = new byte[2 << 20];
        new Random(5).nextBytes(random);
        ArchiveException big =
                refused(
                        "big.zip",
                        zip(Map.of("w.bin", random)),
                        Map.of("HUBTUNE_UNPACK_MAX_BYTES", "1M"));
        assertTrue(
                big.getMessage().contains("unpacks to more than 1.0 MiB")
                        && big.getMessage().contains("HUBTUNE_UNPACK_MAX_BYTES"),
                big.getMessage());

        Map<String, byte[]> many = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            many.put("f" + i + ".txt", ("file " + i).getBytes(StandardCharsets.UTF_8));
        }
        ArchiveException entries =
                refused("many.zip", zip(many), Map.of("HUBTUNE_UNPACK_MAX_ENTRIES", "5"));
        assertTrue(entries.getMessage().contains("more than 5 entries"), entries.getMessage());
        assertNothingKept();

        // A trusted archive of zeros goes through with a higher ratio.
        ModelDir zeros =
                pull(
                        "zeros.zip",
                        zip(Map.of("zeros.bin", new byte[3 << 20])),
                        Map.of("HUBTUNE_UNPACK_MAX_RATIO", "100000"));
        assertEquals(3 << 20, Files.size(zeros.path().resolve("zeros.bin")));
    }

    @Test
    void linksInArchivesAreRefusedWithAClearMessage() throws Exception {
        for (byte type : new byte[] {TarConstants.LF_SYMLINK, TarConstants.LF_LINK}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar =
                    new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
                TarArchiveEntry config = new TarArchiveEntry("config.json");
                config.setSize(2);
                tar.putArchiveEntry(config);
                tar.write("{}".getBytes(StandardCharsets.UTF_8));
                tar.closeArchiveEntry();
                TarArchiveEntry link = new TarArchiveEntry("vocab.txt", type);
                link.setLinkName("/etc/passwd");
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
            }
            ArchiveException e = refused("links" + type + ".tar.gz", bytes.toByteArray(), Map.of());
            String what = type == TarConstants.LF_SYMLINK ? "a symbolic link" : "a hard link";
            assertTrue(
                    e.getMessage().contains("contains " + what + " (vocab.txt -> /etc/passwd)"),
                    e.getMessage());
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            ZipArchiveEntry link = new ZipArchiveEntry("vocab.txt");
            link.setUnixMode(0120777); // what `zip --symlinks` writes
            zip.putArchiveEntry(link);
            zip.write("/etc/passwd".getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
        }
        ArchiveException e = refused("link.zip", bytes.toByteArray(), Map.of());
        assertTrue(e.getMessage().contains("contains a symbolic link (vocab.txt)"), e.getMessage());
        assertNothingKept();
    }

    @Test
    void anHtmlPageServedAsAZipIsNotAnArchiveAndIsNotKept() throws Exception {
        byte[] page =
                "<!DOCTYPE html><html><body>Please log in</body></html>"
                        .getBytes(StandardCharsets.UTF_8);
        ArchiveException e = refused("model.zip", page, Map.of());
        assertTrue(
                e.getMessage().contains("model.zip from ")
                        && e.getMessage().contains("is not an archive: it is an HTML page"),
                e.getMessage());
        assertNothingKept();
    }

    @Test
    void aNormalArchiveStillUnpacks() throws Exception {
        byte[] weights = new byte[200_000];
        new Random(2).nextBytes(weights);
        ModelDir dir =
                pull(
                        "ok.zip",
                        zip(
                                Map.of(
                                        "config.json",
                                        "{}".getBytes(StandardCharsets.UTF_8),
                                        "model.safetensors",
                                        weights)),
                        Map.of());
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
        try (Stream<Path> blobs = Files.list(dir.path().resolve("../../blobs").normalize())) {
            assertTrue(blobs.noneMatch(p -> p.getFileName().toString().startsWith(".unpack-")));
        }
        assertEquals(
                FakeHub.sha256Hex(weights),
                dir.files().stream()
                        .filter(f -> f.path().equals("model.safetensors"))
                        .findFirst()
                        .orElseThrow()
                        .sha256());
    }
}
