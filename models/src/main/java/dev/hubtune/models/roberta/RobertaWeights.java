package dev.hubtune.models.roberta;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RoBERTa's HF checkpoint names and layout ↔ the graph's: {@code nn.Linear} kernels are transposed
 * ({@code [out, in]} ↔ {@code [in, out]}); the {@code roberta.} prefix of task models ({@code
 * RobertaForSequenceClassification}, {@code XLMRobertaForMaskedLM}, …) is dropped on the way in and
 * written back on the way out; the masked-LM decoder, a copy of the tied word embedding and of
 * {@code lm_head.bias}, and old {@code position_ids} buffers are not parameters.
 */
final class RobertaWeights {

    static final String PREFIX = "roberta.";

    private RobertaWeights() {}

    /** Checkpoint tensors to graph names and layout. */
    static Map<String, WeightTensor> fromHf(Map<String, WeightTensor> hf, RobertaConfig config)
            throws ModelException {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : hf.entrySet()) {
            String name = e.getKey();
            name = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
            if (name.startsWith("lm_head.decoder.") || name.endsWith(".position_ids")) {
                continue;
            }
            out.put(name, e.getValue());
        }
        requireEncoder(out, hf, config);
        return WeightTransforms.transposeWhere(out, RobertaWeights::isKernel);
    }

    /** Graph parameters to the checkpoint of transformers' model (with a head: prefixed). */
    static Map<String, WeightTensor> toHf(Map<String, WeightTensor> graph) {
        boolean head =
                graph.keySet().stream()
                        .anyMatch(n -> n.startsWith("classifier.") || n.startsWith("lm_head."));
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : WeightTransforms.transposeWhere(graph, RobertaWeights::isKernel).entrySet()) {
            String name = e.getKey();
            boolean encoder =
                    name.startsWith("embeddings.")
                            || name.startsWith("encoder.")
                            || name.startsWith("pooler.");
            out.put(head && encoder ? PREFIX + name : name, e.getValue());
        }
        return out;
    }

    private static boolean isKernel(String name, WeightTensor t) {
        return t.shape().length == 2 && name.endsWith(".weight") && !name.contains("embeddings.");
    }

    /**
     * A one-line refusal when the weights are not a {@code RobertaModel} of this config: another
     * family's checkpoint under a RoBERTa config, or other sizes.
     */
    private static void requireEncoder(
            Map<String, WeightTensor> w, Map<String, WeightTensor> hf, RobertaConfig config)
            throws ModelException {
        WeightTensor word = w.get("embeddings.word_embeddings.weight");
        WeightTensor positions = w.get("embeddings.position_embeddings.weight");
        if (word == null
                || positions == null
                || !w.containsKey("encoder.layer.0.attention.self.query.weight")) {
            String example = hf.keySet().stream().findFirst().orElse("none");
            throw new ModelException(
                    "config.json says model_type "
                            + config.modelType()
                            + ", but the weights are not a RoBERTa encoder: expected"
                            + " [roberta.]embeddings.word_embeddings.weight,"
                            + " [roberta.]embeddings.position_embeddings.weight and"
                            + " [roberta.]encoder.layer.N.…, found names such as "
                            + example
                            + ". Check that config.json belongs to these weights (hubtune runs "
                            + ModelFamilies.supportedModelTypes()
                            + ")");
        }
        long[] expected = {config.vocabSize(), config.hiddenSize()};
        long[] table = {config.positionTable(), config.hiddenSize()};
        if (!java.util.Arrays.equals(word.shape(), expected)
                || !java.util.Arrays.equals(positions.shape(), table)) {
            throw new ModelException(
                    "the weights do not fit config.json ("
                            + config.modelType()
                            + "): word embeddings "
                            + word.describe()
                            + " and position embeddings "
                            + positions.describe()
                            + ", expected "
                            + java.util.Arrays.toString(expected)
                            + " and "
                            + java.util.Arrays.toString(table)
                            + " from vocab_size, hidden_size and max_position_embeddings");
        }
    }
}
