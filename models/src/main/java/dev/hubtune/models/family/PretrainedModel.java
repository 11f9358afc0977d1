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
        return weights != null
                ? this
                : new PretrainedModel(dir, family, config, json, family.readWeights(dir, config));
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
