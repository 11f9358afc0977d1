package dev.hubtune.models.electra;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.testing.EncoderParity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ELECTRA discriminators against transformers 4.46 (fixture from {@code
 * tools/reference/encoder_families_reference.py}), with embedding_size 16 ≠ hidden_size 32 ({@code
 * embeddings_project}) and with equal widths: last hidden state, classifier logits and token logits
 * within 1e-5, with padding and a pair with token types 0/1.
 */
class ElectraParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"electra", "electra-same-width"})
    void outputsEqualTransformers(String family, @TempDir Path dir) throws Exception {
        EncoderParity.assertParity(family, dir, 1e-5);
    }

    @Test
    void embeddingsNarrowerThanTheLayersEmbedAtTheHiddenWidth(@TempDir Path dir) throws Exception {
        Path model = EncoderParity.checkpoint(EncoderParity.reference("electra"), "token", 4, dir);
        try (EncoderModel encoder = EncoderModel.load(model)) {
            assertTrue(encoder.hiddenSize() == 32);
        }
    }

    @Test
    void anEmbeddingSizeThatDisagreesWithTheWeightsIsRefused(@TempDir Path dir) throws Exception {
        Path model =
                EncoderParity.checkpoint(EncoderParity.reference("electra"), "sequence", 3, dir);
        JsonObject config =
                JsonParser.parseString(Files.readString(model.resolve("config.json")))
                        .getAsJsonObject();
        config.remove("embedding_size"); // transformers' default 128
        Files.writeString(model.resolve("config.json"), config.toString());
        String message = EncoderParity.loadError(model);
        assertNotNull(message);
        assertTrue(message.contains("embedding_size") && message.contains("[99, 128]"), message);
    }
}
