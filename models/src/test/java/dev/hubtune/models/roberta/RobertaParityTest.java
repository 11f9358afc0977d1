package dev.hubtune.models.roberta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.testing.EncoderParity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RoBERTa, XLM-RoBERTa and CamemBERT against transformers 4.46 (fixture from {@code
 * tools/reference/encoder_families_reference.py}): last hidden state, sequence- and
 * token-classification logits within 1e-5 on padded inputs and a {@code <s> A </s></s> B </s>}
 * pair, from checkpoints written with transformers' own names.
 */
class RobertaParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"roberta", "xlm-roberta", "camembert"})
    void outputsEqualTransformers(String family, @TempDir Path dir) throws Exception {
        EncoderParity.assertParity(family, dir, 1e-5);
    }

    @Test
    void theUsableLengthExcludesThePaddingOffset(@TempDir Path dir) throws Exception {
        Path model =
                EncoderParity.checkpoint(EncoderParity.reference("roberta"), "sequence", 3, dir);
        // 42 rows, padding index 1: real tokens take rows 2..41, so 40 tokens fit.
        assertEquals(40, ModelFamilies.describe(model).config().maxPositions());
    }

    @Test
    void weightsOfAnotherSizeAreRefusedNamingWhatWasExpected(@TempDir Path dir) throws Exception {
        Path model =
                EncoderParity.checkpoint(EncoderParity.reference("roberta"), "sequence", 3, dir);
        JsonObject config =
                JsonParser.parseString(Files.readString(model.resolve("config.json")))
                        .getAsJsonObject();
        config.addProperty("max_position_embeddings", 514);
        Files.writeString(model.resolve("config.json"), config.toString());
        String message = EncoderParity.loadError(model);
        assertNotNull(message, "a config that does not fit its weights must be refused");
        assertTrue(message.contains("roberta") && message.contains("[514, 32]"), message);
        assertTrue(!message.contains("\n"), "one line: " + message);
    }

    @Test
    void aBertCheckpointUnderARobertaConfigIsRefused(@TempDir Path dir) throws Exception {
        Path model =
                EncoderParity.checkpoint(EncoderParity.reference("electra"), "sequence", 3, dir);
        JsonObject config =
                JsonParser.parseString(
                                Files.readString(
                                        EncoderParity.checkpoint(
                                                        EncoderParity.reference("roberta"),
                                                        "sequence",
                                                        3,
                                                        dir.resolve("r"))
                                                .resolve("config.json")))
                        .getAsJsonObject();
        Files.writeString(model.resolve("config.json"), config.toString());
        String message = EncoderParity.loadError(model);
        assertNotNull(message);
        assertTrue(message.contains("not a RoBERTa encoder"), message);
    }
}
