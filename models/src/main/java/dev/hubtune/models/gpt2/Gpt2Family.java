package dev.hubtune.models.gpt2;

import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.ModelFamily;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightFiles;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** GPT-2 ({@code model_type} {@code gpt2}) from HF safetensors checkpoints. */
public final class Gpt2Family implements ModelFamily {

    /** For the ServiceLoader. */
    public Gpt2Family() {}

    @Override
    public String displayName() {
        return "GPT-2";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("gpt2");
    }

    @Override
    public Set<ModelTask> tasks() {
        return EnumSet.of(ModelTask.CAUSAL_LM);
    }

    @Override
    public FamilyConfig readConfig(JsonObject config, Path file) throws ModelException {
        return Gpt2Config.read(config, file);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        WeightFiles.Found found = WeightFiles.find(dir, EnumSet.of(WeightFiles.Format.SAFETENSORS));
        return Gpt2Weights.fromHuggingFace(Safetensors.readModel(found.path()));
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new Gpt2Backbone(context, (Gpt2Config) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return "GPT2LMHeadModel";
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return weights; // GPT2Model's names; GPT2LMHeadModel ties its lm_head to wte.weight
    }

    /**
     * GPT2LMHeadModel keeps the network under {@code transformer.}: exports may leave the prefix
     * out (transformers adds it when loading), but PEFT matches adapter weights by the exact path.
     */
    @Override
    public Map<String, String> hfNames(java.util.Collection<String> names, ModelTask task) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String n : names) {
            out.put(
                    n,
                    task == ModelTask.CAUSAL_LM && !n.startsWith("lm_head.")
                            ? "transformer." + n
                            : n);
        }
        return out;
    }
}
