package dev.hubtune.models.family;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.models.testing.TinyBert;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24 item 10: a config entry of the wrong type is an error naming the key; a config that a
 * model is initialised from without weights ({@code hubtune init --config}) is bounded, so a
 * crafted one cannot allocate gigabytes.
 */
class ConfigChecksTest {

    @TempDir Path dir;

    private static final String MINILM =
            "{\"model_type\":\"bert\",\"vocab_size\":30522,\"hidden_size\":384,"
                    + "\"num_hidden_layers\":6,\"num_attention_heads\":12,\"intermediate_size\":1536,"
                    + "\"max_position_embeddings\":512,\"type_vocab_size\":2,\"layer_norm_eps\":1e-12,"
                    + "\"hidden_act\":\"gelu\",\"classifier_dropout\":null}";

    private static JsonObject with(String key, String value) {
        JsonObject o = JsonParser.parseString(MINILM).getAsJsonObject();
        o.add(key, JsonParser.parseString(value));
        return o;
    }

    @Test
    void aTypeErrorNamesTheKey() throws Exception {
        Path file = dir.resolve("config.json");
        assertDoesNotThrow(() -> ConfigChecks.checkTypes(with("x", "1"), file));
        String[][] bad = {
            {"hidden_size", "\"big\"", "\"hidden_size\" must be a whole number, not \"big\""},
            {"num_hidden_layers", "6.5", "\"num_hidden_layers\" must be a whole number"},
            {"vocab_size", "1e20", "\"vocab_size\" must be a whole number between"},
            {"layer_norm_eps", "[1]", "\"layer_norm_eps\" must be a number, not [1]"},
        };
        for (String[] b : bad) {
            ModelException e =
                    assertThrows(
                            ModelException.class,
                            () -> ConfigChecks.checkTypes(with(b[0], b[1]), file));
            assertTrue(e.getMessage().contains(b[2]), e.getMessage());
        }
        // Through the path every command takes to a model directory.
        Files.writeString(file, with("num_attention_heads", "\"twelve\"").toString());
        ModelException described =
                assertThrows(ModelException.class, () -> ModelFamilies.describe(dir));
        assertTrue(
                described.getMessage().contains("\"num_attention_heads\""), described.getMessage());
        assertFalse(described.getMessage().contains("For input string"), described.getMessage());
    }

    @Test
    void anInitConfigIsBounded() throws Exception {
        Path file = dir.resolve("config.json");
        assertDoesNotThrow(
                () ->
                        ConfigChecks.checkInitBounds(
                                JsonParser.parseString(MINILM).getAsJsonObject(), file));
        String[][] bad = {
            {"num_hidden_layers", "1000000", "\"num_hidden_layers\" is 1000000"},
            {"num_hidden_layers", "0", "\"num_hidden_layers\" is 0"},
            {"hidden_size", "-768", "\"hidden_size\" is -768"},
            {"vocab_size", "100000000", "\"vocab_size\" is 100000000"},
            {"num_attention_heads", "7", "not divisible by the 7 attention heads"},
            {"intermediate_size", "65536", "parameters; hubtune initialises at most"},
        };
        for (String[] b : bad) {
            JsonObject o = with(b[0], b[1]);
            if (b[0].equals("intermediate_size")) {
                o.addProperty("hidden_size", 8192);
                o.addProperty("num_attention_heads", 64);
                o.addProperty("num_hidden_layers", 48);
            }
            ModelException e =
                    assertThrows(ModelException.class, () -> ConfigChecks.checkInitBounds(o, file));
            assertTrue(e.getMessage().contains(b[2]), e.getMessage());
        }
    }

    @Test
    void initFromACraftedConfigFailsBeforeAllocating() throws Exception {
        Path vocab = TinyBert.vocab(Files.createDirectories(dir.resolve("vocab")));
        Path config =
                Files.writeString(
                        dir.resolve("bomb.json"), with("num_hidden_layers", "1000000").toString());
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () ->
                                ModelInitializer.createFromConfig(
                                        config, vocab, dir.resolve("out"), 1));
        assertTrue(e.getMessage().contains("\"num_hidden_layers\" is 1000000"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }
}
