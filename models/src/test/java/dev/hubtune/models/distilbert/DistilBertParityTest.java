package dev.hubtune.models.distilbert;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.testing.EncoderParity;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DistilBERT against transformers 4.46 (fixture from {@code
 * tools/reference/encoder_families_reference.py}) with learned and with sinusoidal positions (the
 * sinusoidal checkpoint stores no table: hubtune computes transformers' one): last hidden state,
 * {@code pre_classifier} head logits and token logits within 1e-5, with padding and no token types.
 */
class DistilBertParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"distilbert", "distilbert-sinusoidal"})
    void outputsEqualTransformers(String family, @TempDir Path dir) throws Exception {
        EncoderParity.assertParity(family, dir, 1e-5);
    }

    @Test
    void theSinusoidalTableIsNotTrained(@TempDir Path dir) throws Exception {
        Path model =
                EncoderParity.checkpoint(
                        EncoderParity.reference("distilbert-sinusoidal"), "sequence", 3, dir);
        var pretrained = ModelFamilies.load(model);
        org.tensorflow.Graph g = new org.tensorflow.Graph();
        try (g) {
            var backbone =
                    pretrained
                            .family()
                            .build(
                                    dev.hubtune.models.nn.BuildContext.training(
                                            org.tensorflow.op.Ops.create(g)),
                                    pretrained.config());
            var p = backbone.context().parameters();
            assertTrue(!p.trainable().containsKey(DistilBertBackbone.POSITIONS));
            assertTrue(p.trainable().containsKey("embeddings.word_embeddings.weight"));
        }
    }

    @Test
    void aRobertaCheckpointUnderADistilbertConfigIsRefused(@TempDir Path dir) throws Exception {
        Path roberta =
                EncoderParity.checkpoint(EncoderParity.reference("roberta"), "sequence", 3, dir);
        Path distil =
                EncoderParity.checkpoint(
                        EncoderParity.reference("distilbert"), "sequence", 3, dir.resolve("d"));
        java.nio.file.Files.copy(
                distil.resolve("config.json"),
                roberta.resolve("config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String message = EncoderParity.loadError(roberta);
        assertNotNull(message);
        assertTrue(message.contains("not a DistilBERT encoder"), message);
        assertNull(EncoderParity.loadError(distil));
    }
}
