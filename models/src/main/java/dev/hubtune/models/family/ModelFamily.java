package dev.hubtune.models.family;

import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.weights.Gguf;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One model family (BERT, GPT-2, …): how to read its config and weights, build its backbone and
 * write it back in Hugging Face's format. Implementations are found by {@link ModelFamilies}
 * through {@link java.util.ServiceLoader} ({@code
 * META-INF/services/dev.hubtune.models.family.ModelFamily}), as DJL finds its repository factories;
 * a new family is a config, a backbone, a weight-name map and this class.
 */
public interface ModelFamily {

    /** A readable name, e.g. {@code BERT}. */
    String displayName();

    /** The HF {@code model_type}s this family runs, exactly as transformers names them. */
    List<String> modelTypes();

    /** The tasks its backbone supports. */
    Set<ModelTask> tasks();

    /**
     * Reads the architecture from {@code config.json}'s content.
     *
     * @param file where it came from, for messages
     * @throws ModelException naming the key that is missing or invalid
     */
    FamilyConfig readConfig(JsonObject config, Path file) throws ModelException;

    /**
     * Reads the weights in {@code dir} (whatever formats the family supports) under the backbone's
     * parameter names and layout, including any task-head weights the files hold.
     */
    Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config) throws ModelException;

    /** Adds the backbone to {@code context}'s graph (inference or training, as the context is). */
    Backbone build(BuildContext context, FamilyConfig config);

    /** The {@code architectures} entry transformers loads for {@code task} of {@code modelType}. */
    String hfArchitecture(String modelType, ModelTask task);

    /** The GGUF {@code general.architecture} values this family reads (none by default). */
    default List<String> ggufArchitectures() {
        return List.of();
    }

    /**
     * The files ({@code config.json}, tokenizer files) that describe a GGUF model of this family as
     * the HF directory it was converted from, by file name.
     */
    default Map<String, com.google.gson.JsonObject> ggufFiles(Gguf gguf) throws ModelException {
        throw new ModelException(displayName() + " models are not read from GGUF files");
    }

    /**
     * Graph parameters (backbone and head, graph names and layout) as the checkpoint of
     * transformers' model for {@code task} names and lays them out.
     */
    Map<String, WeightTensor> toHfWeights(Map<String, WeightTensor> weights, ModelTask task);

    /**
     * The names transformers' model for {@code task} gives the graph parameters {@code names}
     * (those of a whole model, head included: whether a family prefixes its encoder, e.g. {@code
     * bert.}, depends on the head): PEFT names adapter weights and modules by these paths. Names
     * {@link #toHfWeights} drops are absent from the result.
     *
     * <p>By default what {@link #toHfWeights} does to the names, found by passing it one-value
     * stand-ins tagged with their index (no real weights are converted).
     */
    default Map<String, String> hfNames(java.util.Collection<String> names, ModelTask task) {
        java.util.List<String> list = java.util.List.copyOf(names);
        Map<String, WeightTensor> probe = new java.util.LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            probe.put(list.get(i), new WeightTensor(new long[] {1}, new float[] {i}));
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (var e : toHfWeights(probe, task).entrySet()) {
            float[] tag = e.getValue().data();
            if (tag.length == 1 && tag[0] >= 0 && tag[0] < list.size() && tag[0] == (int) tag[0]) {
                out.put(list.get((int) tag[0]), e.getKey());
            }
        }
        return out;
    }
}
