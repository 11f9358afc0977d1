package dev.hubtune.models.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model directories whose config does not fit their weights, or whose weights are not finite, are
 * refused when read — before any graph is built, so nothing large is allocated for them.
 */
class CraftedModelTest {

    private static Path withConfig(Path root, String key, int value) throws Exception {
        Path dir = TinyBert.huggingFaceDir(root);
        Path config = dir.resolve("config.json");
        JsonObject o = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        o.addProperty(key, value);
        Files.writeString(config, o.toString());
        return dir;
    }

    @Test
    @Timeout(30)
    void aConfigClaimingAMillionLayersIsRefusedAgainstItsWeights(@TempDir Path root)
            throws Exception {
        Path dir = withConfig(root, "num_hidden_layers", 1_000_000);
        ModelException e = assertThrows(ModelException.class, () -> ModelFamilies.load(dir));
        assertTrue(
                e.getMessage().contains("1000000 layers, but the weights hold 2"), e.getMessage());
    }

    @Test
    void aVocabularyNoWeightHasIsRefused(@TempDir Path root) throws Exception {
        Path dir = withConfig(root, "vocab_size", 999_999);
        ModelException e = assertThrows(ModelException.class, () -> ModelFamilies.load(dir));
        assertTrue(e.getMessage().contains("vocab_size 999999"), e.getMessage());
    }

    @Test
    void nanWeightsAreRefusedNamingTheWeight(@TempDir Path root) throws Exception {
        Path dir = TinyBert.huggingFaceDir(root);
        assertEquals(
                TinyBert.CONFIG.numLayers(),
                ModelFamilies.load(dir).config().numLayers(),
                "the untouched model loads");
        Path file = dir.resolve("model.safetensors");
        Map<String, WeightTensor> weights = new LinkedHashMap<>(Safetensors.read(file));
        String name = "encoder.layer.1.output.dense.weight";
        WeightTensor w = weights.get(name);
        float[] data = w.data().clone();
        data[5] = Float.NaN;
        data[7] = Float.POSITIVE_INFINITY;
        weights.put(name, new WeightTensor(w.shape(), data));
        Files.delete(file);
        Safetensors.write(file, weights, Map.of("format", "pt"));
        ModelException e = assertThrows(ModelException.class, () -> ModelFamilies.load(dir));
        assertTrue(
                e.getMessage().contains(name)
                        && e.getMessage().contains("2 NaN or infinite values"),
                e.getMessage());
    }
}
