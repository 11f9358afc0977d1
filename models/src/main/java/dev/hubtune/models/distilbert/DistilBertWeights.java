package dev.hubtune.models.distilbert;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DistilBERT's HF checkpoint names and layout ↔ the graph's: kernels transposed, the {@code
 * distilbert.} prefix of task models dropped and written back, the tied {@code
 * vocab_projector.weight} skipped, and the sinusoidal position table computed when a checkpoint
 * with {@code sinusoidal_pos_embds} does not store it (as transformers' initialisation does).
 */
final class DistilBertWeights {

    static final String PREFIX = "distilbert.";

    private DistilBertWeights() {}

    /** Checkpoint tensors to graph names and layout. */
    static Map<String, WeightTensor> fromHf(Map<String, WeightTensor> hf, DistilBertConfig config)
            throws ModelException {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : hf.entrySet()) {
            String name = e.getKey();
            name = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
            if (name.equals("vocab_projector.weight") || name.endsWith(".position_ids")) {
                continue; // tied to the word embeddings; a buffer
            }
            out.put(name, e.getValue());
        }
        if (config.sinusoidal() && !out.containsKey(DistilBertBackbone.POSITIONS)) {
            out.put(
                    DistilBertBackbone.POSITIONS,
                    sinusoidal(config.maxPositions(), config.hiddenSize()));
        }
        requireEncoder(out, hf, config);
        return WeightTransforms.transposeWhere(out, DistilBertWeights::isKernel);
    }

    /** Graph parameters to the checkpoint of transformers' model (with a head: prefixed). */
    static Map<String, WeightTensor> toHf(Map<String, WeightTensor> graph) {
        boolean head =
                graph.keySet().stream()
                        .anyMatch(
                                n ->
                                        n.startsWith("classifier.")
                                                || n.startsWith("pre_classifier.")
                                                || n.startsWith("vocab_"));
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e :
                WeightTransforms.transposeWhere(graph, DistilBertWeights::isKernel).entrySet()) {
            String name = e.getKey();
            boolean encoder = name.startsWith("embeddings.") || name.startsWith("transformer.");
            out.put(head && encoder ? PREFIX + name : name, e.getValue());
        }
        return out;
    }

    /**
     * transformers' {@code create_sinusoidal_embeddings}: row p, column j is {@code sin} (even j)
     * or {@code cos} (odd j) of {@code p / 10000^(2·⌊j/2⌋/dim)}, computed in double and stored as
     * float.
     */
    static WeightTensor sinusoidal(int rows, int dim) {
        float[] data = new float[rows * dim];
        for (int p = 0; p < rows; p++) {
            for (int j = 0; j < dim; j++) {
                double angle = p / Math.pow(10000, 2.0 * (j / 2) / dim);
                data[p * dim + j] = (float) (j % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
            }
        }
        return new WeightTensor(new long[] {rows, dim}, data);
    }

    private static boolean isKernel(String name, WeightTensor t) {
        return t.shape().length == 2 && name.endsWith(".weight") && !name.contains("embeddings.");
    }

    private static void requireEncoder(
            Map<String, WeightTensor> w, Map<String, WeightTensor> hf, DistilBertConfig config)
            throws ModelException {
        WeightTensor word = w.get("embeddings.word_embeddings.weight");
        if (word == null || !w.containsKey("transformer.layer.0.attention.q_lin.weight")) {
            throw new ModelException(
                    "config.json says model_type distilbert, but the weights are not a DistilBERT"
                            + " encoder: expected [distilbert.]embeddings.word_embeddings.weight and"
                            + " [distilbert.]transformer.layer.N.attention.q_lin.…, found names such"
                            + " as "
                            + hf.keySet().stream().findFirst().orElse("none")
                            + ". Check that config.json belongs to these weights (hubtune runs "
                            + ModelFamilies.supportedModelTypes()
                            + ")");
        }
        long[] expected = {config.vocabSize(), config.hiddenSize()};
        if (!Arrays.equals(word.shape(), expected)) {
            throw new ModelException(
                    "the weights do not fit config.json (distilbert): word embeddings "
                            + word.describe()
                            + ", expected "
                            + Arrays.toString(expected)
                            + " from vocab_size and dim");
        }
    }
}
