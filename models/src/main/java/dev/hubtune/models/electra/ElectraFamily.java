package dev.hubtune.models.electra;

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

/**
 * ELECTRA discriminators ({@code model_type} {@code electra}) from HF safetensors checkpoints:
 * embeddings, classification and token classification.
 */
public final class ElectraFamily implements ModelFamily {

    /** For the ServiceLoader. */
    public ElectraFamily() {}

    @Override
    public String displayName() {
        return "ELECTRA";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("electra");
    }

    @Override
    public Set<ModelTask> tasks() {
        return EnumSet.of(
                ModelTask.EMBEDDING,
                ModelTask.SEQUENCE_CLASSIFICATION,
                ModelTask.TOKEN_CLASSIFICATION);
    }

    @Override
    public FamilyConfig readConfig(JsonObject config, Path file) throws ModelException {
        return ElectraConfig.read(config, file);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        WeightFiles.Found found = WeightFiles.find(dir, EnumSet.of(WeightFiles.Format.SAFETENSORS));
        return ElectraWeights.fromHf(Safetensors.readModel(found.path()), (ElectraConfig) config);
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new ElectraBackbone(context, (ElectraConfig) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return switch (task) {
            case SEQUENCE_CLASSIFICATION -> "ElectraForSequenceClassification";
            case TOKEN_CLASSIFICATION -> "ElectraForTokenClassification";
            default -> "ElectraModel";
        };
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return ElectraWeights.toHf(weights);
    }
}
