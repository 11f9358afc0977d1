package dev.hubtune.models.deberta;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DeBERTa-v2's HF checkpoint names and layout ↔ the graph's: kernels transposed, the {@code
 * deberta.} prefix of task models dropped and written back ({@code pooler.*} and {@code
 * classifier.*} are top-level in transformers). Pretraining heads ({@code lm_predictions.*}, the
 * enhanced mask decoder) are read but unused.
 */
final class DebertaV2Weights {

    static final String PREFIX = "deberta.";

    private DebertaV2Weights() {}

    /** Checkpoint tensors to graph names and layout. */
    static Map<String, WeightTensor> fromHf(Map<String, WeightTensor> hf, DebertaV2Config config)
            throws ModelException {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : hf.entrySet()) {
            String name = e.getKey();
            name = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
            if (name.endsWith(".position_ids")) {
                continue;
            }
            out.put(name, e.getValue());
        }
        requireEncoder(out, hf, config);
        return WeightTransforms.transposeWhere(out, DebertaV2Weights::isKernel);
    }

    /** Graph parameters to the checkpoint of transformers' model (with a head: prefixed). */
    static Map<String, WeightTensor> toHf(Map<String, WeightTensor> graph) {
        boolean head = graph.keySet().stream().anyMatch(n -> n.startsWith("classifier."));
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e :
                WeightTransforms.transposeWhere(graph, DebertaV2Weights::isKernel).entrySet()) {
            String name = e.getKey();
            boolean encoder = name.startsWith("embeddings.") || name.startsWith("encoder.");
            out.put(head && encoder ? PREFIX + name : name, e.getValue());
        }
        return out;
    }

    private static boolean isKernel(String name, WeightTensor t) {
        // Lookup tables (word, position, token type, relative) keep their layout; embed_proj is a
        // linear layer although it sits under embeddings.
        return t.shape().length == 2
                && name.endsWith(".weight")
                && !name.endsWith("_embeddings.weight");
    }

    private static void requireEncoder(
            Map<String, WeightTensor> w, Map<String, WeightTensor> hf, DebertaV2Config config)
            throws ModelException {
        WeightTensor word = w.get("embeddings.word_embeddings.weight");
        if (word == null || !w.containsKey("encoder.layer.0.attention.self.query_proj.weight")) {
            throw new ModelException(
                    "config.json says model_type deberta-v2, but the weights are not a DeBERTa-v2"
                            + " encoder: expected [deberta.]embeddings.word_embeddings.weight and"
                            + " [deberta.]encoder.layer.N.attention.self.query_proj.…, found names"
                            + " such as "
                            + hf.keySet().stream().findFirst().orElse("none")
                            + ". Check that config.json belongs to these weights (hubtune runs "
                            + ModelFamilies.supportedModelTypes()
                            + ")");
        }
        long[] expected = {config.vocabSize(), config.embeddingSize()};
        if (!Arrays.equals(word.shape(), expected)) {
            throw new ModelException(
                    "the weights do not fit config.json (deberta-v2): word embeddings "
                            + word.describe()
                            + ", expected "
                            + Arrays.toString(expected)
                            + " from vocab_size and embedding_size (or hidden_size)");
        }
        WeightTensor rel = w.get("encoder.rel_embeddings.weight");
        if (config.relativeAttention()) {
            long[] table = {2L * config.attentionSpan(), config.hiddenSize()};
            if (rel == null || !Arrays.equals(rel.shape(), table)) {
                throw new ModelException(
                        "the weights do not fit config.json (deberta-v2): relative_attention with"
                                + " position_buckets "
                                + config.positionBuckets()
                                + " and max_relative_positions "
                                + config.maxRelativePositions()
                                + " needs encoder.rel_embeddings.weight "
                                + Arrays.toString(table)
                                + ", the weights have "
                                + (rel == null ? "none" : rel.describe()));
            }
        }
        boolean hasPosKey = w.containsKey("encoder.layer.0.attention.self.pos_key_proj.weight");
        if (config.relativeAttention() && config.c2p() && !config.shareAttKey() && !hasPosKey) {
            throw new ModelException(
                    "the weights do not fit config.json (deberta-v2): share_att_key is false, so"
                            + " pos_key_proj is expected and the weights have none (DeBERTa-v3"
                            + " checkpoints set share_att_key true)");
        }
    }
}
