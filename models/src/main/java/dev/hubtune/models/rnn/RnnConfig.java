package dev.hubtune.models.rnn;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.nn.RecurrentCell;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A recurrent encoder's architecture as its {@code config.json} states it: {@code cell} ({@code
 * lstm} or {@code gru}), {@code vocab_size}, {@code embedding_size}, {@code hidden_size} (units per
 * direction, PyTorch's meaning), {@code num_layers}, {@code bidirectional}, {@code max_length} (the
 * static steps of the graph: longer inputs are truncated, shorter ones padded and masked) and
 * {@code pad_token_id}. {@link #hiddenSize()} is the width of the encoder's outputs, {@code
 * directions · hidden_size}.
 *
 * @param cell LSTM or GRU
 * @param vocabSize rows of the token embedding
 * @param embeddingSize width of a token embedding
 * @param units units per direction ({@code hidden_size})
 * @param numLayers stacked recurrent layers
 * @param bidirectional whether each layer also runs backward
 * @param maxLength static steps of the graph
 * @param padTokenId the padding id (its embedding row gets no gradient)
 */
public record RnnConfig(
        RecurrentCell cell,
        int vocabSize,
        int embeddingSize,
        int units,
        int numLayers,
        boolean bidirectional,
        int maxLength,
        int padTokenId)
        implements FamilyConfig {

    /** The {@code model_type} of hubtune's recurrent encoders. */
    public static final String MODEL_TYPE = "hubtune-rnn";

    /** Validates the sizes. */
    public RnnConfig {
        if (vocabSize < 1 || embeddingSize < 1 || units < 1 || numLayers < 1 || maxLength < 1) {
            throw new IllegalArgumentException(
                    "vocab_size, embedding_size, hidden_size, num_layers and max_length must be"
                            + " positive");
        }
        if (padTokenId < 0 || padTokenId >= vocabSize) {
            throw new IllegalArgumentException(
                    "pad_token_id "
                            + padTokenId
                            + " is not a row of the "
                            + vocabSize
                            + "-token embedding");
        }
    }

    @Override
    public String modelType() {
        return MODEL_TYPE;
    }

    /** Width of the encoder's outputs: directions · units. */
    @Override
    public int hiddenSize() {
        return (bidirectional ? 2 : 1) * units;
    }

    @Override
    public int maxPositions() {
        return maxLength;
    }

    /** Reads a {@code hubtune-rnn} {@code config.json}. */
    public static RnnConfig read(JsonObject o, Path file) throws ModelException {
        String cellName = o.has("cell") ? o.get("cell").getAsString() : "lstm";
        RecurrentCell cell =
                switch (cellName.toLowerCase(Locale.ROOT)) {
                    case "lstm" -> RecurrentCell.LSTM;
                    case "gru" -> RecurrentCell.GRU;
                    default ->
                            throw new ModelException(
                                    file + ": cell is '" + cellName + "'; choose lstm or gru");
                };
        try {
            return new RnnConfig(
                    cell,
                    integer(o, "vocab_size", file),
                    integer(o, "embedding_size", file),
                    integer(o, "hidden_size", file),
                    o.has("num_layers") ? o.get("num_layers").getAsInt() : 1,
                    !o.has("bidirectional") || o.get("bidirectional").getAsBoolean(),
                    integer(o, "max_length", file),
                    o.has("pad_token_id") && o.get("pad_token_id").isJsonPrimitive()
                            ? o.get("pad_token_id").getAsInt()
                            : 0);
        } catch (IllegalArgumentException e) {
            throw new ModelException(file + " is not a hubtune-rnn config: " + e.getMessage(), e);
        }
    }

    private static int integer(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new ModelException(
                    file
                            + " has no \""
                            + key
                            + "\" (hubtune-rnn configs state vocab_size, embedding_size,"
                            + " hidden_size and max_length)");
        }
        return e.getAsInt();
    }

    @Override
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", MODEL_TYPE);
        c.put("cell", cell.name().toLowerCase(Locale.ROOT));
        c.put("vocab_size", vocabSize);
        c.put("embedding_size", embeddingSize);
        c.put("hidden_size", units);
        c.put("num_layers", numLayers);
        c.put("bidirectional", bidirectional);
        c.put("max_length", maxLength);
        c.put("pad_token_id", padTokenId);
        return c;
    }
}
