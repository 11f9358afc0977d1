package dev.hubtune.models.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model directory's family comes from {@code model_type}; the encoder families are found by their
 * transformers names, an unknown type is refused with the supported list, and a config without a
 * type is never guessed to be BERT when its keys say it is not.
 */
class ModelTypeTest {

    private static Path config(Path dir, String json) throws Exception {
        Files.writeString(dir.resolve("config.json"), json);
        return dir;
    }

    private static final String SIZES =
            "\"vocab_size\":99,\"hidden_size\":32,\"num_hidden_layers\":2,"
                    + "\"num_attention_heads\":4,\"intermediate_size\":64,"
                    + "\"max_position_embeddings\":42";

    @Test
    void everyEncoderFamilyIsFoundByItsModelType() {
        assertTrue(
                ModelFamilies.supportedModelTypes()
                        .containsAll(
                                java.util.List.of(
                                        "bert",
                                        "roberta",
                                        "xlm-roberta",
                                        "camembert",
                                        "distilbert",
                                        "electra")),
                ModelFamilies.supportedModelTypes().toString());
    }

    @Test
    void anUnknownModelTypeIsRefusedWithTheSupportedList(@TempDir Path dir) throws Exception {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () ->
                                ModelFamilies.describe(
                                        config(dir, "{\"model_type\":\"funnel\"," + SIZES + "}")));
        assertTrue(e.getMessage().contains("'funnel'"), e.getMessage());
        assertTrue(e.getMessage().contains("xlm-roberta"), e.getMessage());
    }

    @Test
    void aConfigWithoutTypeIsKnownByItsArchitecture(@TempDir Path dir) throws Exception {
        PretrainedModel m =
                ModelFamilies.describe(
                        config(
                                dir,
                                "{\"architectures\":[\"XLMRobertaForSequenceClassification\"],"
                                        + SIZES
                                        + ",\"type_vocab_size\":1,\"pad_token_id\":1}"));
        assertEquals("xlm-roberta", m.config().modelType());
        assertEquals(40, m.config().maxPositions());
    }

    @Test
    void aRobertaConfigWithoutTypeOrArchitectureIsNotRunAsBert(@TempDir Path dir) throws Exception {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () ->
                                ModelFamilies.describe(
                                        config(
                                                dir,
                                                "{"
                                                        + SIZES
                                                        + ",\"type_vocab_size\":1,"
                                                        + "\"pad_token_id\":1}")));
        assertTrue(e.getMessage().contains("model_type"), e.getMessage());
    }
}
