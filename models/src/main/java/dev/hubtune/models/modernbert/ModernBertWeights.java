package dev.hubtune.models.modernbert;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ModernBERT's HF checkpoint names and layout ↔ the graph's: kernels transposed (the fused {@code
 * Wqkv} {@code [3·hidden, hidden]} becomes {@code [hidden, 3·hidden]}, columns q | k | v), the
 * {@code model.} prefix of task models dropped and written back, the masked-LM {@code decoder}
 * (tied to the token embedding) not read. A masked-LM checkpoint's {@code head.*} is the same
 * module a classifier's is, and transformers reuses it; so does hubtune.
 */
final class ModernBertWeights {

    static final String PREFIX = "model.";

    private ModernBertWeights() {}

    /** Checkpoint tensors to graph names and layout. */
    static Map<String, WeightTensor> fromHf(Map<String, WeightTensor> hf, ModernBertConfig config)
            throws ModelException {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : hf.entrySet()) {
            String name = e.getKey();
            name = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
            if (name.startsWith("decoder.")) {
                continue;
            }
            out.put(name, e.getValue());
        }
        requireEncoder(out, hf, config);
        return WeightTransforms.transposeWhere(out, ModernBertWeights::isKernel);
    }

    /** Graph parameters to the checkpoint of transformers' model (with a head: prefixed). */
    static Map<String, WeightTensor> toHf(Map<String, WeightTensor> graph) {
        boolean head =
                graph.keySet().stream()
                        .anyMatch(n -> n.startsWith("classifier.") || n.startsWith("head."));
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e :
                WeightTransforms.transposeWhere(graph, ModernBertWeights::isKernel).entrySet()) {
            String name = e.getKey();
            boolean encoder =
                    name.startsWith("embeddings.")
                            || name.startsWith("layers.")
                            || name.startsWith("final_norm.");
            out.put(head && encoder ? PREFIX + name : name, e.getValue());
        }
        return out;
    }

    private static boolean isKernel(String name, WeightTensor t) {
        return t.shape().length == 2 && name.endsWith(".weight") && !name.contains("embeddings.");
    }

    private static void requireEncoder(
            Map<String, WeightTensor> w, Map<String, WeightTensor> hf, ModernBertConfig config)
            throws ModelException {
        WeightTensor word = w.get("embeddings.tok_embeddings.weight");
        if (word == null || !w.containsKey("layers.0.attn.Wqkv.weight")) {
            throw new ModelException(
                    "config.json says model_type modernbert, but the weights are not a ModernBERT"
                            + " encoder: expected [model.]embeddings.tok_embeddings.weight and"
                            + " [model.]layers.N.attn.Wqkv.…, found names such as "
                            + hf.keySet().stream().findFirst().orElse("none")
                            + ". Check that config.json belongs to these weights (hubtune runs "
                            + ModelFamilies.supportedModelTypes()
                            + ")");
        }
        long[] expected = {config.vocabSize(), config.hiddenSize()};
        if (!Arrays.equals(word.shape(), expected)) {
            throw new ModelException(
                    "the weights do not fit config.json (modernbert): token embeddings "
                            + word.describe()
                            + ", expected "
                            + Arrays.toString(expected)
                            + " from vocab_size and hidden_size");
        }
        boolean hasBias = w.containsKey("layers.0.attn.Wqkv.bias");
        if (hasBias != config.attentionBias()) {
            throw new ModelException(
                    "the weights do not fit config.json (modernbert): attention_bias is "
                            + config.attentionBias()
                            + " but the weights "
                            + (hasBias ? "have" : "have no")
                            + " layers.0.attn.Wqkv.bias; set attention_bias to "
                            + hasBias);
        }
    }
}
