package dev.hubtune.models.electra;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.nn.Activation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ELECTRA's architecture as its {@code config.json} states it. Its embeddings are {@code
 * embedding_size} wide and projected to {@code hidden_size} ({@code embeddings_project}) when the
 * two differ, as in ELECTRA-small (128 → 256).
 *
 * @param vocabSize rows of the word embedding
 * @param embeddingSize width of the embeddings
 * @param hiddenSize width of every layer
 * @param numLayers encoder layers
 * @param numHeads attention heads
 * @param intermediateSize width of the feed-forward layer
 * @param maxPositions rows of the position embedding
 * @param typeVocabSize rows of the token-type embedding
 * @param layerNormEps epsilon of every LayerNorm
 * @param activation the feed-forward activation
 */
public record ElectraConfig(
        int vocabSize,
        int embeddingSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        double layerNormEps,
        Activation activation)
        implements FamilyConfig {

    /** Validates the sizes. */
    public ElectraConfig {
        if (vocabSize < 1
                || embeddingSize < 1
                || hiddenSize < 1
                || numLayers < 1
                || numHeads < 1
                || intermediateSize < 1
                || maxPositions < 1
                || typeVocabSize < 1) {
            throw new IllegalArgumentException(
                    "vocab_size, embedding_size, hidden_size, num_hidden_layers,"
                            + " num_attention_heads, intermediate_size, max_position_embeddings"
                            + " and type_vocab_size must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hiddenSize + " is not divisible by " + numHeads + " heads");
        }
    }

    /** Whether {@code embeddings_project} maps the embeddings to the hidden width. */
    public boolean projectsEmbeddings() {
        return embeddingSize != hiddenSize;
    }

    @Override
    public String modelType() {
        return "electra";
    }

    /** Reads an ELECTRA {@code config.json} (transformers' defaults for missing optional keys). */
    public static ElectraConfig read(JsonObject o, Path file) throws ModelException {
        String positions =
                o.has("position_embedding_type")
                        ? o.get("position_embedding_type").getAsString()
                        : "absolute";
        if (!positions.equals("absolute")) {
            throw new ModelException(
                    file
                            + ": position_embedding_type '"
                            + positions
                            + "' is not supported; hubtune runs ELECTRA with absolute positions");
        }
        String act = o.has("hidden_act") ? o.get("hidden_act").getAsString() : "gelu";
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
            int hidden = integer(o, "hidden_size", file);
            return new ElectraConfig(
                    integer(o, "vocab_size", file),
                    o.has("embedding_size") ? o.get("embedding_size").getAsInt() : 128,
                    hidden,
                    integer(o, "num_hidden_layers", file),
                    integer(o, "num_attention_heads", file),
                    integer(o, "intermediate_size", file),
                    integer(o, "max_position_embeddings", file),
                    o.has("type_vocab_size") ? o.get("type_vocab_size").getAsInt() : 2,
                    o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsDouble() : 1e-12,
                    activation);
        } catch (RuntimeException e) {
            throw new ModelException(file + " is not an ELECTRA config: " + e.getMessage(), e);
        }
    }

    private static int integer(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new ModelException(file + " has no \"" + key + "\"");
        }
        return e.getAsInt();
    }

    @Override
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", "electra");
        c.put("vocab_size", vocabSize);
        c.put("embedding_size", embeddingSize);
        c.put("hidden_size", hiddenSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("intermediate_size", intermediateSize);
        c.put("hidden_act", activation.hfName());
        c.put("max_position_embeddings", maxPositions);
        c.put("type_vocab_size", typeVocabSize);
        c.put("layer_norm_eps", layerNormEps);
        c.put("position_embedding_type", "absolute");
        return c;
    }
}
