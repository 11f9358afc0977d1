package dev.hubtune.models.family;

import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model directory read: its family, its config (parsed and as JSON, for task entries such as
 * {@code id2label}) and, once {@link #withWeights loaded}, its weights under graph names.
 *
 * @param dir the model directory (null for a model built in memory)
 * @param family the family {@code model_type} named
 * @param config the architecture
 * @param json {@code config.json} as written
 * @param weights the weights, or null before they are read
 */
public record PretrainedModel(
        Path dir,
        ModelFamily family,
        FamilyConfig config,
        JsonObject json,
        Map<String, WeightTensor> weights) {

    /**
     * A model given in memory (tests, benchmarks, weights converted by the caller): no directory,
     * its config as {@code config.json} would hold it.
     */
    public static PretrainedModel of(
            ModelFamily family, FamilyConfig config, Map<String, WeightTensor> weights) {
        JsonObject json =
                new com.google.gson.Gson().toJsonTree(config.toHfConfig()).getAsJsonObject();
        return new PretrainedModel(null, family, config, json, Map.copyOf(weights));
    }

    /** The directory, or a description of an in-memory model, for messages. */
    public String name() {
        return dir != null ? dir.toString() : "the " + family.displayName() + " model given";
    }

    /** The same model with its weights read from {@link #dir}. */
    public PretrainedModel withWeights() throws ModelException {
        if (weights != null) {
            return this;
        }
        Map<String, WeightTensor> read = family.readWeights(dir, config);
        requireFitting(read);
        requireFinite(read);
        return new PretrainedModel(dir, family, config, json, read);
    }

    /**
     * Layer indices in HF weight names: {@code encoder.layer.3.}, {@code model.layers.3.}, {@code
     * h.3.}.
     */
    private static final java.util.regex.Pattern LAYER =
            java.util.regex.Pattern.compile("(?:^|\\.)(?:layer|layers|h)\\.(\\d+)\\.");

    /**
     * Checks the config against the weights before any graph is built from it: a config that claims
     * a million layers or a vocabulary the embedding does not have would otherwise allocate that
     * graph, or fail inside TensorFlow.
     */
    private void requireFitting(Map<String, WeightTensor> read) throws ModelException {
        int layers = -1;
        boolean vocabFound = false;
        for (var e : read.entrySet()) {
            java.util.regex.Matcher m = LAYER.matcher(e.getKey());
            if (m.find()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
            for (long d : e.getValue().shape()) {
                vocabFound |= d == config.vocabSize();
            }
        }
        if (layers > 0 && layers < config.numLayers()) {
            throw new ModelException(
                    name()
                            + ": its config says "
                            + config.numLayers()
                            + " layers, but the weights hold "
                            + layers
                            + "; the config.json does not belong to these weights (fix its layer"
                            + " count, or pull the model again)");
        }
        if (!vocabFound) {
            throw new ModelException(
                    name()
                            + ": its config says vocab_size "
                            + config.vocabSize()
                            + ", but no weight has that many rows; the config.json does not belong"
                            + " to these weights (fix vocab_size, or pull the model again)");
        }
    }

    /**
     * Refuses weights with NaN or infinite values: they would only surface later as NaN embeddings,
     * logits or losses, far from their cause (a corrupt file, a diverged run).
     */
    private void requireFinite(Map<String, WeightTensor> read) throws ModelException {
        for (var e : read.entrySet()) {
            float[] data = e.getValue().data();
            int bad = 0;
            for (float v : data) {
                bad += Float.isFinite(v) ? 0 : 1;
            }
            if (bad > 0) {
                throw new ModelException(
                        name()
                                + ": weight "
                                + e.getKey()
                                + " has "
                                + bad
                                + " NaN or infinite values; the file is corrupt or the model"
                                + " diverged in training: pull it again, or train again with a"
                                + " lower --learning-rate");
            }
        }
    }

    /** The weights; {@link #withWeights} must have been called. */
    @Override
    public Map<String, WeightTensor> weights() {
        if (weights == null) {
            throw new IllegalStateException("weights of " + dir + " were not read");
        }
        return weights;
    }

    /** Checks that the family supports {@code task}, with a message naming what it does support. */
    public void require(ModelTask task) throws ModelException {
        if (!family.tasks().contains(task)) {
            StringBuilder alternatives = new StringBuilder();
            for (ModelTask t : family.tasks()) {
                alternatives
                        .append(alternatives.length() == 0 ? "" : "; ")
                        .append(t.displayName())
                        .append(": ")
                        .append(t.commands());
            }
            throw new ModelException(
                    name()
                            + " is a "
                            + family.displayName()
                            + " (model_type "
                            + config.modelType()
                            + "), which does not do "
                            + task.displayName()
                            + ". It does "
                            + alternatives);
        }
    }
}
