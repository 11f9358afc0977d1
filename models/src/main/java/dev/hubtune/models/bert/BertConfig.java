package dev.hubtune.models.bert;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * BERT's architecture hyper-parameters, as HF's {@code config.json} (and Google's {@code
 * bert_config.json}, which uses the same keys) state them.
 *
 * @param vocabSize rows of the word embedding
 * @param hiddenSize width of every layer
 * @param numLayers encoder layers
 * @param numHeads attention heads (hiddenSize must divide by it)
 * @param intermediateSize width of the feed-forward layer
 * @param maxPositions rows of the position embedding
 * @param typeVocabSize rows of the token-type embedding
 * @param layerNormEps epsilon of every LayerNorm
 * @param activation the feed-forward activation
 */
public record BertConfig(
        int vocabSize,
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
    public BertConfig {
        if (vocabSize < 1
                || hiddenSize < 1
                || numLayers < 1
                || numHeads < 1
                || intermediateSize < 1
                || maxPositions < 1
                || typeVocabSize < 1) {
            throw new IllegalArgumentException(
                    "vocab_size, hidden_size, num_hidden_layers, num_attention_heads,"
                            + " intermediate_size, max_position_embeddings and type_vocab_size"
                            + " must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hiddenSize + " is not divisible by " + numHeads + " heads");
        }
    }

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    @Override
    public String modelType() {
        return "bert";
    }

    /** Reads an HF {@code config.json} or Google {@code bert_config.json}. */
    public static BertConfig read(JsonObject o, Path file) throws ModelException {
        try {
            String act = o.has("hidden_act") ? o.get("hidden_act").getAsString() : "gelu";
            return new BertConfig(
                    integer(o, "vocab_size", file),
                    integer(o, "hidden_size", file),
                    integer(o, "num_hidden_layers", file),
                    integer(o, "num_attention_heads", file),
                    integer(o, "intermediate_size", file),
                    integer(o, "max_position_embeddings", file),
                    o.has("type_vocab_size") ? o.get("type_vocab_size").getAsInt() : 2,
                    o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsDouble() : 1e-12,
                    Activation.parse(act)
                            .orElseThrow(
                                    () ->
                                            new ModelException(
                                                    file
                                                            + ": unsupported hidden_act '"
                                                            + act
                                                            + "'; hubtune supports "
                                                            + Activation.supportedNames())));
        } catch (RuntimeException e) {
            throw new ModelException(file + " is not a BERT config: " + e.getMessage(), e);
        }
    }

    private static int integer(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null) {
            throw new ModelException(file + " has no \"" + key + "\"");
        }
        return e.getAsInt();
    }

    @Override
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", "bert");
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("intermediate_size", intermediateSize);
        c.put("hidden_act", activation.hfName());
        c.put("max_position_embeddings", maxPositions);
        c.put("type_vocab_size", typeVocabSize);
        c.put("layer_norm_eps", layerNormEps);
        return c;
    }

    /**
     * The sizes a set of HF-named weights implies. The number of heads is not visible in the
     * weights, so it is given.
     */
    public static BertConfig infer(
            Map<String, WeightTensor> w, int numHeads, Activation activation, double eps)
            throws ModelException {
        WeightTensor word = require(w, "embeddings.word_embeddings.weight");
        int layers = 0;
        while (w.containsKey("encoder.layer." + layers + ".attention.self.query.weight")) {
            layers++;
        }
        if (layers == 0) {
            throw new ModelException(
                    "no encoder layers in the weights (expected encoder.layer.0.…)");
        }
        return new BertConfig(
                (int) word.dim(0),
                (int) word.dim(1),
                layers,
                numHeads,
                (int) require(w, "encoder.layer.0.intermediate.dense.weight").dim(1),
                (int) require(w, "embeddings.position_embeddings.weight").dim(0),
                (int) require(w, "embeddings.token_type_embeddings.weight").dim(0),
                eps,
                activation);
    }

    private static WeightTensor require(Map<String, WeightTensor> w, String name)
            throws ModelException {
        WeightTensor t = w.get(name);
        if (t == null) {
            throw new ModelException("missing weight " + name);
        }
        return t;
    }
}
