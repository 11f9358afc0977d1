package dev.hubtune.models.modernbert;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.Activation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ModernBERT's architecture as its {@code config.json} states it, with transformers' defaults
 * (ModernBERT-base: no biases, RoPE θ 160,000 on global layers and 10,000 on 128-token
 * sliding-window layers, every third layer global, 8,192 positions).
 *
 * @param vocabSize rows of the token embedding
 * @param hiddenSize width of every layer
 * @param intermediateSize width of the GeGLU's value half (Wi is twice as wide)
 * @param numLayers encoder layers
 * @param numHeads attention heads
 * @param activation the GLU's activation ({@code hidden_activation})
 * @param maxPositions the longest input
 * @param normEps epsilon of every LayerNorm
 * @param normBias whether LayerNorms have a shift
 * @param attentionBias whether Wqkv and Wo have biases
 * @param mlpBias whether Wi and Wo of the MLP have biases
 * @param classifierBias whether {@code head.dense} has a bias
 * @param classifierActivation the head's activation
 * @param classifierPooling {@code cls} or {@code mean}: what the sequence classifier pools
 * @param globalRopeTheta RoPE base of global layers
 * @param localRopeTheta RoPE base of sliding-window layers
 * @param globalEvery layer i is global when {@code i % globalEvery == 0}
 * @param localAttention the window: a token sees tokens at most {@code localAttention / 2} away
 * @param embeddingDropout dropout after the embedding norm (0 in released checkpoints)
 * @param attentionDropout dropout on attention probabilities and after Wo
 * @param mlpDropout dropout inside the GLU
 * @param classifierDropout dropout before the classifier
 * @param padTokenId padding id
 * @param bosTokenId begin id
 * @param eosTokenId end id
 * @param clsTokenId {@code [CLS]}
 * @param sepTokenId {@code [SEP]}
 */
public record ModernBertConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        Activation activation,
        int maxPositions,
        double normEps,
        boolean normBias,
        boolean attentionBias,
        boolean mlpBias,
        boolean classifierBias,
        Activation classifierActivation,
        Pooling classifierPooling,
        double globalRopeTheta,
        double localRopeTheta,
        int globalEvery,
        int localAttention,
        double embeddingDropout,
        double attentionDropout,
        double mlpDropout,
        double classifierDropout,
        int padTokenId,
        int bosTokenId,
        int eosTokenId,
        int clsTokenId,
        int sepTokenId)
        implements FamilyConfig {

    /** Validates the sizes. */
    public ModernBertConfig {
        if (vocabSize < 1
                || hiddenSize < 1
                || intermediateSize < 1
                || numLayers < 1
                || numHeads < 1
                || maxPositions < 1
                || globalEvery < 1
                || localAttention < 2) {
            throw new IllegalArgumentException(
                    "vocab_size, hidden_size, intermediate_size, num_hidden_layers,"
                            + " num_attention_heads, max_position_embeddings and"
                            + " global_attn_every_n_layers must be positive, local_attention at"
                            + " least 2");
        }
        if (hiddenSize % numHeads != 0 || (hiddenSize / numHeads) % 2 != 0) {
            throw new IllegalArgumentException(
                    "hidden size "
                            + hiddenSize
                            + " must divide into "
                            + numHeads
                            + " heads of even width (rotary embeddings rotate pairs)");
        }
        if (classifierPooling == Pooling.POOLER) {
            throw new IllegalArgumentException("classifier_pooling is cls or mean");
        }
    }

    /** Width of one head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** Whether layer {@code i} attends globally (else within the sliding window). */
    public boolean global(int layer) {
        return layer % globalEvery == 0;
    }

    @Override
    public String modelType() {
        return "modernbert";
    }

    /** Reads a ModernBERT {@code config.json}. */
    public static ModernBertConfig read(JsonObject o, Path file) throws ModelException {
        try {
            String pooling = string(o, "classifier_pooling", "cls");
            if (!pooling.equals("cls") && !pooling.equals("mean")) {
                throw new ModelException(
                        file
                                + ": classifier_pooling '"
                                + pooling
                                + "' is not one of transformers' cls, mean");
            }
            if (o.has("rope_scaling") && !o.get("rope_scaling").isJsonNull()) {
                throw new ModelException(
                        file
                                + ": rope_scaling is not supported for ModernBERT; hubtune runs"
                                + " its default rotary embeddings (remove rope_scaling)");
            }
            double global = number(o, "global_rope_theta", 160000.0);
            JsonElement local = o.get("local_rope_theta");
            return new ModernBertConfig(
                    integer(o, "vocab_size", file),
                    integer(o, "hidden_size", file),
                    integer(o, "intermediate_size", file),
                    integer(o, "num_hidden_layers", file),
                    integer(o, "num_attention_heads", file),
                    activation(o, "hidden_activation", file),
                    o.has("max_position_embeddings")
                            ? o.get("max_position_embeddings").getAsInt()
                            : 8192,
                    number(o, "norm_eps", 1e-5),
                    bool(o, "norm_bias", false),
                    bool(o, "attention_bias", false),
                    bool(o, "mlp_bias", false),
                    bool(o, "classifier_bias", false),
                    activation(o, "classifier_activation", file),
                    Pooling.parse(pooling),
                    global,
                    local == null || local.isJsonNull() ? global : local.getAsDouble(),
                    o.has("global_attn_every_n_layers")
                            ? o.get("global_attn_every_n_layers").getAsInt()
                            : 3,
                    o.has("local_attention") ? o.get("local_attention").getAsInt() : 128,
                    number(o, "embedding_dropout", 0),
                    number(o, "attention_dropout", 0),
                    number(o, "mlp_dropout", 0),
                    number(o, "classifier_dropout", 0),
                    id(o, "pad_token_id", 50283),
                    id(o, "bos_token_id", 50281),
                    id(o, "eos_token_id", 50282),
                    id(o, "cls_token_id", 50281),
                    id(o, "sep_token_id", 50282));
        } catch (RuntimeException e) {
            throw new ModelException(file + " is not a ModernBERT config: " + e.getMessage(), e);
        }
    }

    private static Activation activation(JsonObject o, String key, Path file)
            throws ModelException {
        String act = string(o, key, "gelu");
        return Activation.parse(act)
                .orElseThrow(
                        () ->
                                new ModelException(
                                        file
                                                + ": unsupported "
                                                + key
                                                + " '"
                                                + act
                                                + "'; hubtune supports "
                                                + Activation.supportedNames()));
    }

    private static int integer(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new ModelException(file + " has no \"" + key + "\"");
        }
        return e.getAsInt();
    }

    private static int id(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || !e.isJsonPrimitive() ? fallback : e.getAsInt();
    }

    private static double number(JsonObject o, String key, double fallback) {
        JsonElement e = o.get(key);
        return e == null || !e.isJsonPrimitive() ? fallback : e.getAsDouble();
    }

    private static boolean bool(JsonObject o, String key, boolean fallback) {
        JsonElement e = o.get(key);
        return e == null || !e.isJsonPrimitive() ? fallback : e.getAsBoolean();
    }

    private static String string(JsonObject o, String key, String fallback) {
        JsonElement e = o.get(key);
        return e == null || !e.isJsonPrimitive() ? fallback : e.getAsString();
    }

    @Override
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", "modernbert");
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("intermediate_size", intermediateSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("hidden_activation", activation.hfName());
        c.put("max_position_embeddings", maxPositions);
        c.put("norm_eps", normEps);
        c.put("norm_bias", normBias);
        c.put("attention_bias", attentionBias);
        c.put("mlp_bias", mlpBias);
        c.put("classifier_bias", classifierBias);
        c.put("classifier_activation", classifierActivation.hfName());
        c.put("classifier_pooling", classifierPooling.configName());
        c.put("global_rope_theta", globalRopeTheta);
        c.put("local_rope_theta", localRopeTheta);
        c.put("global_attn_every_n_layers", globalEvery);
        c.put("local_attention", localAttention);
        c.put("embedding_dropout", embeddingDropout);
        c.put("attention_dropout", attentionDropout);
        c.put("mlp_dropout", mlpDropout);
        c.put("classifier_dropout", classifierDropout);
        c.put("pad_token_id", padTokenId);
        c.put("bos_token_id", bosTokenId);
        c.put("eos_token_id", eosTokenId);
        c.put("cls_token_id", clsTokenId);
        c.put("sep_token_id", sepTokenId);
        return c;
    }
}
