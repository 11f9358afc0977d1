package dev.hubtune.models.deberta;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.nn.Activation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DeBERTa-v2's architecture (also DeBERTa-v3's, which transformers runs as {@code deberta-v2}) as
 * its {@code config.json} states it, with transformers' defaults.
 *
 * @param vocabSize rows of the word embedding
 * @param embeddingSize width of the embeddings ({@code embed_proj} maps them to hiddenSize)
 * @param hiddenSize width of every layer
 * @param numLayers encoder layers
 * @param numHeads attention heads
 * @param intermediateSize width of the feed-forward layer
 * @param maxPositions {@code max_position_embeddings}
 * @param typeVocabSize token types; 0 (DeBERTa-v3) means none
 * @param positionBiasedInput whether absolute position embeddings are added to the input
 * @param relativeAttention whether disentangled relative attention is on
 * @param positionBuckets log-bucketed relative positions ({@code position_buckets}); ≤ 0: none
 * @param maxRelativePositions the relative span ({@code max_relative_positions}, or {@code
 *     max_position_embeddings} when below 1)
 * @param c2p content-to-position attention ({@code pos_att_type} has {@code c2p})
 * @param p2c position-to-content attention ({@code pos_att_type} has {@code p2c})
 * @param shareAttKey whether positions go through the content query/key projections
 * @param normRelEmbedding whether the relative embeddings get {@code encoder.LayerNorm}
 * @param layerNormEps epsilon of every LayerNorm
 * @param activation the feed-forward activation
 * @param poolerHiddenSize width of {@code pooler.dense}
 * @param poolerActivation {@code pooler_hidden_act} (an {@link Activation} name or {@code tanh})
 * @param poolerDropout dropout before {@code pooler.dense}
 * @param padTokenId padding id
 */
public record DebertaV2Config(
        int vocabSize,
        int embeddingSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        boolean positionBiasedInput,
        boolean relativeAttention,
        int positionBuckets,
        int maxRelativePositions,
        boolean c2p,
        boolean p2c,
        boolean shareAttKey,
        boolean normRelEmbedding,
        double layerNormEps,
        Activation activation,
        int poolerHiddenSize,
        String poolerActivation,
        double poolerDropout,
        int padTokenId)
        implements FamilyConfig {

    /** Validates the sizes. */
    public DebertaV2Config {
        if (vocabSize < 1
                || embeddingSize < 1
                || hiddenSize < 1
                || numLayers < 1
                || numHeads < 1
                || intermediateSize < 1
                || maxPositions < 1
                || typeVocabSize < 0
                || poolerHiddenSize < 1) {
            throw new IllegalArgumentException(
                    "vocab_size, embedding_size, hidden_size, num_hidden_layers,"
                            + " num_attention_heads, intermediate_size, max_position_embeddings and"
                            + " pooler_hidden_size must be positive, type_vocab_size not negative");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hiddenSize + " is not divisible by " + numHeads + " heads");
        }
        if (relativeAttention
                && (positionBuckets > 0 ? positionBuckets : maxRelativePositions) < 1) {
            throw new IllegalArgumentException("the relative attention span must be positive");
        }
    }

    /** Width of one head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** Rows of the relative-position table are {@code 2·attentionSpan()}. */
    public int attentionSpan() {
        return positionBuckets > 0 ? positionBuckets : maxRelativePositions;
    }

    @Override
    public String modelType() {
        return "deberta-v2";
    }

    /** Reads a DeBERTa-v2/v3 {@code config.json}. */
    public static DebertaV2Config read(JsonObject o, Path file) throws ModelException {
        if (integer(o, "conv_kernel_size", 0) > 0) {
            throw new ModelException(
                    file
                            + ": conv_kernel_size "
                            + o.get("conv_kernel_size")
                            + " (DeBERTa-v2's convolution after the first layer, used by"
                            + " deberta-v2-xlarge/xxlarge) is not supported; hubtune runs"
                            + " DeBERTa-v2/v3 configs without conv_kernel_size");
        }
        if (o.has("attention_head_size")
                && o.get("attention_head_size").getAsInt() * integer(o, "num_attention_heads", 1)
                        != integer(o, "hidden_size", 0)) {
            throw new ModelException(
                    file
                            + ": attention_head_size × num_attention_heads must equal hidden_size"
                            + " for hubtune's DeBERTa-v2");
        }
        List<String> posAtt = new ArrayList<>();
        JsonElement p = o.get("pos_att_type");
        if (p != null && p.isJsonArray()) {
            p.getAsJsonArray()
                    .forEach(e -> posAtt.add(e.getAsString().trim().toLowerCase(Locale.ROOT)));
        } else if (p != null && p.isJsonPrimitive()) {
            for (String s : p.getAsString().toLowerCase(Locale.ROOT).split("\\|")) {
                posAtt.add(s.trim());
            }
        }
        for (String t : posAtt) {
            if (!t.equals("c2p") && !t.equals("p2c") && !t.isEmpty() && !t.equals("none")) {
                throw new ModelException(
                        file + ": pos_att_type '" + t + "' is not one of transformers' c2p, p2c");
            }
        }
        String poolerAct = string(o, "pooler_hidden_act", "gelu");
        if (!poolerAct.equals("tanh") && Activation.parse(poolerAct).isEmpty()) {
            throw new ModelException(
                    file
                            + ": unsupported pooler_hidden_act '"
                            + poolerAct
                            + "'; hubtune supports tanh, "
                            + Activation.supportedNames());
        }
        String act = string(o, "hidden_act", "gelu");
        Activation activation =
                Activation.parse(act)
                        .orElseThrow(
                                () ->
                                        new ModelException(
                                                file
                                                        + ": unsupported hidden_act '"
                                                        + act
                                                        + "'; hubtune supports "
                                                        + Activation.supportedNames()));
        try {
            int hidden = required(o, "hidden_size", file);
            int maxPositions = required(o, "max_position_embeddings", file);
            int maxRelative = integer(o, "max_relative_positions", -1);
            return new DebertaV2Config(
                    required(o, "vocab_size", file),
                    integer(o, "embedding_size", hidden),
                    hidden,
                    required(o, "num_hidden_layers", file),
                    required(o, "num_attention_heads", file),
                    required(o, "intermediate_size", file),
                    maxPositions,
                    integer(o, "type_vocab_size", 0),
                    bool(o, "position_biased_input", true),
                    bool(o, "relative_attention", false),
                    integer(o, "position_buckets", -1),
                    maxRelative < 1 ? maxPositions : maxRelative,
                    posAtt.contains("c2p"),
                    posAtt.contains("p2c"),
                    bool(o, "share_att_key", false),
                    string(o, "norm_rel_ebd", "none")
                            .toLowerCase(Locale.ROOT)
                            .contains("layer_norm"),
                    o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsDouble() : 1e-7,
                    activation,
                    integer(o, "pooler_hidden_size", hidden),
                    poolerAct,
                    o.has("pooler_dropout") ? o.get("pooler_dropout").getAsDouble() : 0,
                    integer(o, "pad_token_id", 0));
        } catch (RuntimeException e) {
            throw new ModelException(file + " is not a DeBERTa-v2 config: " + e.getMessage(), e);
        }
    }

    private static int required(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new ModelException(file + " has no \"" + key + "\"");
        }
        return e.getAsInt();
    }

    private static int integer(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || !e.isJsonPrimitive() ? fallback : e.getAsInt();
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
        c.put("model_type", "deberta-v2");
        c.put("vocab_size", vocabSize);
        c.put("embedding_size", embeddingSize);
        c.put("hidden_size", hiddenSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("intermediate_size", intermediateSize);
        c.put("hidden_act", activation.hfName());
        c.put("max_position_embeddings", maxPositions);
        c.put("type_vocab_size", typeVocabSize);
        c.put("position_biased_input", positionBiasedInput);
        c.put("relative_attention", relativeAttention);
        c.put("position_buckets", positionBuckets);
        c.put("max_relative_positions", maxRelativePositions);
        List<String> posAtt = new ArrayList<>();
        if (p2c) {
            posAtt.add("p2c");
        }
        if (c2p) {
            posAtt.add("c2p");
        }
        c.put("pos_att_type", posAtt);
        c.put("share_att_key", shareAttKey);
        c.put("norm_rel_ebd", normRelEmbedding ? "layer_norm" : "none");
        c.put("layer_norm_eps", layerNormEps);
        c.put("pooler_hidden_size", poolerHiddenSize);
        c.put("pooler_hidden_act", poolerActivation);
        c.put("pooler_dropout", poolerDropout);
        c.put("pad_token_id", padTokenId);
        return c;
    }
}
