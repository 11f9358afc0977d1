package dev.hubtune.models.gpt2;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.DecoderConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GPT-2's hyper-parameters as HF's {@code config.json} names them ({@code n_embd}, {@code n_layer},
 * …).
 *
 * @param vocabSize rows of the token embedding (and of the tied LM head)
 * @param maxPositions rows of the position embedding ({@code n_positions}): the longest context
 * @param hiddenSize width of the residual stream ({@code n_embd})
 * @param numLayers decoder blocks ({@code n_layer})
 * @param numHeads attention heads ({@code n_head})
 * @param innerSize width of the MLP ({@code n_inner}, 4·hidden when null)
 * @param layerNormEps epsilon of every LayerNorm ({@code layer_norm_epsilon})
 * @param bosTokenId begin-of-text id
 * @param eosTokenId end-of-text id ({@code <|endoftext|>} = 50256 for GPT-2's vocabulary)
 */
public record Gpt2Config(
        int vocabSize,
        int maxPositions,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int innerSize,
        double layerNormEps,
        int bosTokenId,
        int eosTokenId)
        implements DecoderConfig {

    /** Validates the sizes. */
    public Gpt2Config {
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "n_embd " + hiddenSize + " is not divisible by n_head " + numHeads);
        }
        if (vocabSize < 1 || maxPositions < 1 || numLayers < 1) {
            throw new IllegalArgumentException(
                    "vocab_size, n_positions and n_layer must be positive");
        }
    }

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** Parameters of the model (the LM head is tied, so it adds none). */
    public long parameterCount() {
        long h = hiddenSize;
        long block = 2 * 2 * h + h * 3 * h + 3 * h + h * h + h + h * innerSize + innerSize;
        block += innerSize * h + h;
        return (long) vocabSize * h + (long) maxPositions * h + numLayers * block + 2 * h;
    }

    @Override
    public String modelType() {
        return "gpt2";
    }

    /** Reads an HF GPT-2 {@code config.json}. */
    public static Gpt2Config read(JsonObject o, Path file) throws ModelException {
        try {
            String act =
                    o.has("activation_function")
                            ? o.get("activation_function").getAsString()
                            : "gelu_new";
            if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
                throw new ModelException(
                        file + ": activation_function '" + act + "' is not supported (gelu_new)");
            }
            int hidden = integer(o, "n_embd", file);
            JsonElement inner = o.get("n_inner");
            return new Gpt2Config(
                    integer(o, "vocab_size", file),
                    integer(o, "n_positions", file),
                    hidden,
                    integer(o, "n_layer", file),
                    integer(o, "n_head", file),
                    inner == null || inner.isJsonNull() ? 4 * hidden : inner.getAsInt(),
                    o.has("layer_norm_epsilon") ? o.get("layer_norm_epsilon").getAsDouble() : 1e-5,
                    o.has("bos_token_id") ? o.get("bos_token_id").getAsInt() : 50256,
                    o.has("eos_token_id") ? o.get("eos_token_id").getAsInt() : 50256);
        } catch (RuntimeException e) {
            throw new ModelException(file + " is not a GPT-2 config: " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", "gpt2");
        c.put("vocab_size", vocabSize);
        c.put("n_positions", maxPositions);
        c.put("n_ctx", maxPositions);
        c.put("n_embd", hiddenSize);
        c.put("n_layer", numLayers);
        c.put("n_head", numHeads);
        c.put("n_inner", innerSize == 4 * hiddenSize ? null : innerSize);
        c.put("activation_function", "gelu_new");
        c.put("layer_norm_epsilon", layerNormEps);
        c.put("bos_token_id", bosTokenId);
        c.put("eos_token_id", eosTokenId);
        c.put("tie_word_embeddings", true);
        return c;
    }

    private static int integer(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null) {
            throw new ModelException(file + " has no \"" + key + "\"");
        }
        return e.getAsInt();
    }
}
