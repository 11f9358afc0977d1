package dev.hubtune.models.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.SentenceEmbeddingConfig;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.testing.EncoderParity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an embedding fine-tune exports is a sentence-transformers directory that computes
 * sentence-transformers' embedding, for every encoder family: the encoder as transformers' base
 * model (sentence-transformers' {@code Transformer} module loads it with {@code AutoModel}), then
 * Transformer → Pooling(mean) → Normalize in {@code modules.json}; hubtune's mean-pooled,
 * normalised embedding of the export equals that pooling of transformers' last hidden state (the
 * encoder fixtures') within 1e-5.
 */
class SentenceEmbedderExportTest {

    @TempDir Path dir;

    @Test
    void everyFamilyExportsASentenceTransformersModel() throws Exception {
        int checked = 0;
        for (String name : EncoderParity.caseNames()) {
            JsonObject c = EncoderParity.reference(name);
            Path checkpoint = EncoderParity.checkpoint(c, "sequence", 3, dir.resolve(name + "-hf"));
            PretrainedModel model = ModelFamilies.load(checkpoint);
            Path out =
                    HfExport.writeSentenceEmbedder(
                            model.family(),
                            model.config(),
                            model.weights(),
                            Pooling.MEAN,
                            true,
                            32,
                            Optional.empty(),
                            checkpoint,
                            dir.resolve(name + "-st"));
            JsonArray modules =
                    JsonParser.parseString(Files.readString(out.resolve("modules.json")))
                            .getAsJsonArray();
            assertEquals(3, modules.size(), name);
            assertEquals(
                    "sentence_transformers.models.Normalize",
                    modules.get(2).getAsJsonObject().get("type").getAsString());
            assertTrue(Files.isRegularFile(out.resolve("config_sentence_transformers.json")));
            JsonObject config =
                    JsonParser.parseString(Files.readString(out.resolve("config.json")))
                            .getAsJsonObject();
            assertEquals(
                    model.family().hfArchitecture(model.config().modelType(), ModelTask.EMBEDDING),
                    config.getAsJsonArray("architectures").get(0).getAsString(),
                    name);
            SentenceEmbeddingConfig st = SentenceEmbeddingConfig.read(out);
            assertEquals(Pooling.MEAN, st.pooling());
            assertTrue(st.normalize() && st.fromFiles());
            assertEquals(Optional.of(32), st.maxLength());
            double delta = EncoderParity.meanEmbeddingDelta(c, out);
            assertTrue(delta < 1e-5, name + ": max |Δ embedding| " + delta);
            checked++;
        }
        assertTrue(checked >= 8, "cases: " + checked);
    }
}
