package dev.hubtune.models.distilbert;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.nn.Activation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DistilBERT's architecture under its own {@code config.json} keys ({@code dim}, {@code n_layers},
 * {@code n_heads}, {@code hidden_dim}, {@code activation}, {@code sinusoidal_pos_embds}); every
 * LayerNorm has epsilon 1e-12 in transformers, which the config does not state.
 *
 * @param vocabSize rows of the word embedding
 * @param hiddenSize {@code dim}
 * @param numLayers {@code n_layers}
 * @param numHeads {@code n_heads}
 * @param ffnSize {@code hidden_dim}, the feed-forward width
 * @param maxPositions rows of the position embedding
 * @param sinusoidal whether positions are the fixed sinusoidal table (not trained)
 * @param activation the feed-forward activation
 * @param padTokenId the padding id
 */
public record DistilBertConfig(
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int ffnSize,
        int maxPositions,
        boolean sinusoidal,
        Activation activation,
        int padTokenId)
        implements FamilyConfig {

    /** transformers' epsilon of every DistilBERT LayerNorm. */
    public static final double LAYER_NORM_EPS = 1e-12;

    /** Validates the sizes. */
    public DistilBertConfig {
        if (vocabSize < 1
                || hiddenSize < 1
                || numLayers < 1
                || numHeads < 1
                || ffnSize < 1
                || maxPositions < 1) {
            throw new IllegalArgumentException(
                    "vocab_size, dim, n_layers, n_heads, hidden_dim and max_position_embeddings"
                            + " must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "dim " + hiddenSize + " is not divisible by " + numHeads + " heads");
        }
    }

    @Override
    public String modelType() {
        return "distilbert";
    }

    /** Reads a DistilBERT {@code config.json}. */
    public static DistilBertConfig read(JsonObject o, Path file) throws ModelException {
        String act = o.has("activation") ? o.get("activation").getAsString() : "gelu";
        Activation activation =
                Activation.parse(act)
                        .orElseThrow(
                                () ->
                                        new ModelException(
                                                file
                                                        + ": unsupported activation '"
                                                        + act
                                                        + "'; hubtune supports "
                                                        + Activation.supportedNames()));
        try {
            return new DistilBertConfig(
                    integer(o, "vocab_size", file),
                    integer(o, "dim", file),
                    integer(o, "n_layers", file),
                    integer(o, "n_heads", file),
                    integer(o, "hidden_dim", file),
                    integer(o, "max_position_embeddings", file),
                    o.has("sinusoidal_pos_embds") && o.get("sinusoidal_pos_embds").getAsBoolean(),
                    activation,
                    o.has("pad_token_id") && o.get("pad_token_id").isJsonPrimitive()
                            ? o.get("pad_token_id").getAsInt()
                            : 0);
        } catch (RuntimeException e) {
            throw new ModelException(file + " is not a DistilBERT config: " + e.getMessage(), e);
        }
    }

    private static int integer(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new ModelException(
                    file
                            + " has no \""
                            + key
                            + "\" (DistilBERT configs name their sizes dim, n_layers, n_heads and"
                            + " hidden_dim)");
        }
        return e.getAsInt();
    }

    @Override
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", "distilbert");
        c.put("vocab_size", vocabSize);
        c.put("dim", hiddenSize);
        c.put("n_layers", numLayers);
        c.put("n_heads", numHeads);
        c.put("hidden_dim", ffnSize);
        c.put("activation", activation.hfName());
        c.put("max_position_embeddings", maxPositions);
        c.put("sinusoidal_pos_embds", sinusoidal);
        c.put("pad_token_id", padTokenId);
        return c;
    }
}
