package dev.hubtune.models.electra;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ELECTRA's HF checkpoint names and layout ↔ the graph's: kernels transposed, the {@code electra.}
 * prefix of task models dropped and written back. A discriminator checkpoint's pretraining head
 * ({@code discriminator_predictions.*}) is read but unused.
 */
final class ElectraWeights {

    static final String PREFIX = "electra.";

    private ElectraWeights() {}

    /** Checkpoint tensors to graph names and layout. */
    static Map<String, WeightTensor> fromHf(Map<String, WeightTensor> hf, ElectraConfig config)
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
        return WeightTransforms.transposeWhere(out, ElectraWeights::isKernel);
    }

    /** Graph parameters to the checkpoint of transformers' model (with a head: prefixed). */
    static Map<String, WeightTensor> toHf(Map<String, WeightTensor> graph) {
        boolean head = graph.keySet().stream().anyMatch(n -> n.startsWith("classifier."));
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : WeightTransforms.transposeWhere(graph, ElectraWeights::isKernel).entrySet()) {
            String name = e.getKey();
            boolean encoder =
                    name.startsWith("embeddings.")
                            || name.startsWith("embeddings_project.")
                            || name.startsWith("encoder.");
            out.put(head && encoder ? PREFIX + name : name, e.getValue());
        }
        return out;
    }

    private static boolean isKernel(String name, WeightTensor t) {
        return t.shape().length == 2 && name.endsWith(".weight") && !name.contains("embeddings.");
    }

    /**
     * A one-line refusal when the weights are not an ELECTRA discriminator of this config — in
     * particular when {@code embedding_size} and {@code embeddings_project} disagree.
     */
    private static void requireEncoder(
            Map<String, WeightTensor> w, Map<String, WeightTensor> hf, ElectraConfig config)
            throws ModelException {
        WeightTensor word = w.get("embeddings.word_embeddings.weight");
        if (word == null || !w.containsKey("encoder.layer.0.attention.self.query.weight")) {
            throw new ModelException(
                    "config.json says model_type electra, but the weights are not an ELECTRA"
                            + " encoder: expected [electra.]embeddings.word_embeddings.weight and"
                            + " [electra.]encoder.layer.N.…, found names such as "
                            + hf.keySet().stream().findFirst().orElse("none")
                            + ". Check that config.json belongs to these weights (hubtune runs "
                            + ModelFamilies.supportedModelTypes()
                            + ")");
        }
        long[] expected = {config.vocabSize(), config.embeddingSize()};
        if (!Arrays.equals(word.shape(), expected)) {
            throw new ModelException(
                    "the weights do not fit config.json (electra): word embeddings "
                            + word.describe()
                            + ", expected "
                            + Arrays.toString(expected)
                            + " from vocab_size and embedding_size");
        }
        WeightTensor project = w.get("embeddings_project.weight");
        if (config.projectsEmbeddings() && project == null) {
            throw new ModelException(
                    "the weights do not fit config.json (electra): embedding_size "
                            + config.embeddingSize()
                            + " differs from hidden_size "
                            + config.hiddenSize()
                            + ", so embeddings_project.weight is expected, and the weights have"
                            + " none");
        }
        if (!config.projectsEmbeddings() && project != null) {
            throw new ModelException(
                    "the weights do not fit config.json (electra): they have"
                            + " embeddings_project.weight "
                            + project.describe()
                            + ", but embedding_size equals hidden_size ("
                            + config.hiddenSize()
                            + "); set embedding_size to the embeddings' width");
        }
    }
}
