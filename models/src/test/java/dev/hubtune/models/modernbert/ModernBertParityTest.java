package dev.hubtune.models.modernbert;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.hubtune.models.testing.EncoderParity;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ModernBERT against transformers 4.48 (fixture from {@code
 * tools/reference/modernbert_reference.py}): 4 layers (global, local, local, global), an 8-token
 * window on 20-token inputs with padding, transformers' bias-free defaults with cls pooling, and a
 * config with every bias and mean pooling; last hidden state, classifier and token-classifier
 * logits within 1e-5.
 */
class ModernBertParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"modernbert", "modernbert-mean-biases"})
    void outputsEqualTransformers(String family, @TempDir Path dir) throws Exception {
        EncoderParity.assertParity(family, dir, 1e-5);
    }

    @Test
    void theSlidingWindowIsInPlayBeyondItsLength(@TempDir Path dir) throws Exception {
        // The same weights with a window as long as the inputs: if the window were not applied,
        // hubtune would match this model instead of transformers'.
        JsonObject c = EncoderParity.reference("modernbert").deepCopy();
        c.getAsJsonObject("config").addProperty("local_attention", 64);
        EncoderParity.Deltas d = EncoderParity.compare(c, dir);
        assertTrue(d.hiddenState() > 1e-2, "a wider window changes the outputs: " + d);
    }

    @Test
    void biasesTheConfigDoesNotDeclareAreRefused(@TempDir Path dir) throws Exception {
        JsonObject c = EncoderParity.reference("modernbert-mean-biases").deepCopy();
        c.getAsJsonObject("config").addProperty("attention_bias", false);
        Path model = EncoderParity.checkpoint(c, "sequence", 3, dir);
        String message = EncoderParity.loadError(model);
        assertNotNull(message);
        assertTrue(message.contains("attention_bias"), message);
    }
}
