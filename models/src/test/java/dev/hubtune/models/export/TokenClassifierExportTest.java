package dev.hubtune.models.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.ModelExports;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.testing.EncoderParity;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a token-classification fine-tune exports loads in transformers with the same logits, for
 * every encoder family: each case of the encoder fixtures ({@code
 * tools/reference/encoder_families_reference.py}, {@code modernbert_reference.py}) is a
 * transformers {@code *ForTokenClassification} checkpoint whose logits transformers computed;
 * hubtune loads it, exports it as a token classifier with {@code id2label} (what {@code
 * TokenClassificationTask} writes), and the export holds exactly transformers' parameter names,
 * shapes and values and its architecture, so transformers computes the same logits from it; hubtune
 * reloading the export matches those logits within 1e-5.
 */
class TokenClassifierExportTest {

    @TempDir Path dir;

    @Test
    void everyFamilysExportIsTransformersTokenClassifier() throws Exception {
        List<String> labels = List.of("B-X", "I-X", "O", "S-Y");
        int checked = 0;
        for (String name : EncoderParity.caseNames()) {
            JsonObject c = EncoderParity.reference(name);
            Path checkpoint = EncoderParity.checkpoint(c, "token", 4, dir.resolve(name + "-hf"));
            PretrainedModel model = ModelFamilies.load(checkpoint);
            Path out =
                    HfExport.write(
                            model.family(),
                            model.config(),
                            model.weights(),
                            ExportMetadata.tokenClassifier(labels),
                            checkpoint,
                            dir.resolve(name + "-export"));
            JsonObject config =
                    JsonParser.parseString(Files.readString(out.resolve("config.json")))
                            .getAsJsonObject();
            assertEquals(
                    c.get("token_architecture").getAsString(),
                    config.getAsJsonArray("architectures").get(0).getAsString(),
                    name);
            assertEquals("S-Y", config.getAsJsonObject("id2label").get("3").getAsString(), name);
            assertEquals(4, config.get("num_labels").getAsInt(), name);
            Map<String, WeightTensor> exported = Safetensors.read(out.resolve("model.safetensors"));
            Map<String, WeightTensor> reference =
                    EncoderParity.formula(EncoderParity.shapes(c, "token"));
            for (var e : reference.entrySet()) {
                WeightTensor w = exported.get(e.getKey());
                assertTrue(w != null, name + ": the export lacks " + e.getKey());
                assertArrayEquals(e.getValue().shape(), w.shape(), name + " " + e.getKey());
                assertArrayEquals(e.getValue().data(), w.data(), name + " " + e.getKey());
            }
            for (String extra : exported.keySet()) {
                // a fixed sinusoidal table transformers computes itself, the same values
                assertTrue(
                        reference.containsKey(extra) || extra.contains("position_embeddings"),
                        name + ": transformers has no parameter " + extra);
            }
            assertEquals(
                    ModelTask.TOKEN_CLASSIFICATION,
                    ModelExports.metadata(ModelFamilies.describe(out)).task(),
                    name);
            double delta = EncoderParity.tokenLogitsDelta(c, out, 4);
            assertTrue(delta < 1e-5, name + ": max |Δ token logits| " + delta);
            checked++;
        }
        assertTrue(checked >= 8, "cases: " + checked);
    }
}
