package dev.hubtune.models.roberta;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.nn.Activation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The architecture of RoBERTa and the families that share its modelling code in transformers
 * (XLM-RoBERTa, CamemBERT), as their {@code config.json} states it, with transformers' defaults.
 *
 * @param modelType {@code roberta}, {@code xlm-roberta} or {@code camembert}
 * @param vocabSize rows of the word embedding
 * @param hiddenSize width of every layer
 * @param numLayers encoder layers
 * @param numHeads attention heads
 * @param intermediateSize width of the feed-forward layer
 * @param positionTable rows of the position embedding ({@code max_position_embeddings}); the first
 *     {@code padTokenId + 1} rows are never used by real tokens
 * @param typeVocabSize rows of the token-type embedding (1 in every released checkpoint)
 * @param layerNormEps epsilon of every LayerNorm
 * @param activation the feed-forward activation
 * @param padTokenId the padding id, which is also the position embedding's padding index
 * @param bosTokenId {@code <s>}
 * @param eosTokenId {@code </s>}
 */
public record RobertaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int positionTable,
        int typeVocabSize,
        double layerNormEps,
        Activation activation,
        int padTokenId,
        int bosTokenId,
        int eosTokenId)
        implements FamilyConfig {

    /** Validates the sizes. */
    public RobertaConfig {
        if (vocabSize < 1
                || hiddenSize < 1
                || numLayers < 1
                || numHeads < 1
                || intermediateSize < 1
                || typeVocabSize < 1) {
            throw new IllegalArgumentException(
                    "vocab_size, hidden_size, num_hidden_layers, num_attention_heads,"
                            + " intermediate_size and type_vocab_size must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hiddenSize + " is not divisible by " + numHeads + " heads");
        }
        if (padTokenId < 0 || positionTable < padTokenId + 3) {
            throw new IllegalArgumentException(
                    "max_position_embeddings "
                            + positionTable
                            + " leaves no positions after the padding index "
                            + padTokenId
                            + " (RoBERTa's positions start at pad_token_id + 1)");
        }
    }

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    /**
     * The longest input: RoBERTa numbers real tokens from {@code pad_token_id + 1}, so a table of
     * 514 rows (pad 1) holds 512 tokens.
     */
    @Override
    public int maxPositions() {
        return positionTable - padTokenId - 1;
    }

    /** Reads a {@code config.json} of {@code modelType}. */
    public static RobertaConfig read(JsonObject o, Path file, String modelType)
            throws ModelException {
        String positions = string(o, "position_embedding_type", "absolute");
        if (!positions.equals("absolute")) {
            throw new ModelException(
                    file
                            + ": position_embedding_type '"
                            + positions
                            + "' is not supported; hubtune runs "
                            + modelType
                            + " with absolute positions (position_embedding_type \"absolute\")");
        }
        if (o.has("is_decoder") && o.get("is_decoder").getAsBoolean()) {
            throw new ModelException(
                    file
                            + " is a "
                            + modelType
                            + " decoder (is_decoder true); hubtune runs "
                            + modelType
                            + " as an encoder only");
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
            return new RobertaConfig(
                    modelType,
                    integer(o, "vocab_size", file),
                    integer(o, "hidden_size", file),
                    integer(o, "num_hidden_layers", file),
                    integer(o, "num_attention_heads", file),
                    integer(o, "intermediate_size", file),
                    integer(o, "max_position_embeddings", file),
                    o.has("type_vocab_size") ? o.get("type_vocab_size").getAsInt() : 2,
                    o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsDouble() : 1e-12,
                    activation,
                    optional(o, "pad_token_id", 1),
                    optional(o, "bos_token_id", 0),
                    optional(o, "eos_token_id", 2));
        } catch (RuntimeException e) {
            throw new ModelException(
                    file + " is not a " + modelType + " config: " + e.getMessage(), e);
        }
    }

    private static int integer(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new ModelException(file + " has no \"" + key + "\"");
        }
        return e.getAsInt();
    }

    private static int optional(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || !e.isJsonPrimitive() ? fallback : e.getAsInt();
    }

    private static String string(JsonObject o, String key, String fallback) {
        JsonElement e = o.get(key);
        return e == null || !e.isJsonPrimitive() ? fallback : e.getAsString();
    }

    @Override
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", modelType);
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("intermediate_size", intermediateSize);
        c.put("hidden_act", activation.hfName());
        c.put("max_position_embeddings", positionTable);
        c.put("type_vocab_size", typeVocabSize);
        c.put("layer_norm_eps", layerNormEps);
        c.put("position_embedding_type", "absolute");
        c.put("pad_token_id", padTokenId);
        c.put("bos_token_id", bosTokenId);
        c.put("eos_token_id", eosTokenId);
        return c;
    }
}
