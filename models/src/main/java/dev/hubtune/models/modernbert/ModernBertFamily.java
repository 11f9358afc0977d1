package dev.hubtune.models.modernbert;

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
 * ModernBERT ({@code model_type} {@code modernbert}, transformers 4.48+) from HF safetensors
 * checkpoints: embeddings, classification and token classification.
 */
public final class ModernBertFamily implements ModelFamily {

    /** For the ServiceLoader. */
    public ModernBertFamily() {}

    @Override
    public String displayName() {
        return "ModernBERT";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("modernbert");
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
        return ModernBertConfig.read(config, file);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        WeightFiles.Found found = WeightFiles.find(dir, EnumSet.of(WeightFiles.Format.SAFETENSORS));
        return ModernBertWeights.fromHf(
                Safetensors.readModel(found.path()), (ModernBertConfig) config);
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new ModernBertBackbone(context, (ModernBertConfig) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return switch (task) {
            case SEQUENCE_CLASSIFICATION -> "ModernBertForSequenceClassification";
            case TOKEN_CLASSIFICATION -> "ModernBertForTokenClassification";
            default -> "ModernBertModel";
        };
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return ModernBertWeights.toHf(weights);
    }
}
