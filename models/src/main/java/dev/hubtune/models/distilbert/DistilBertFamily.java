package dev.hubtune.models.distilbert;

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

/** DistilBERT ({@code model_type} {@code distilbert}) from HF safetensors checkpoints. */
public final class DistilBertFamily implements ModelFamily {

    /** For the ServiceLoader. */
    public DistilBertFamily() {}

    @Override
    public String displayName() {
        return "DistilBERT";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("distilbert");
    }

    @Override
    public Set<ModelTask> tasks() {
        return EnumSet.of(
                ModelTask.EMBEDDING,
                ModelTask.SEQUENCE_CLASSIFICATION,
                ModelTask.TOKEN_CLASSIFICATION,
                ModelTask.MASKED_LM);
    }

    @Override
    public FamilyConfig readConfig(JsonObject config, Path file) throws ModelException {
        return DistilBertConfig.read(config, file);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        WeightFiles.Found found = WeightFiles.find(dir, EnumSet.of(WeightFiles.Format.SAFETENSORS));
        return DistilBertWeights.fromHf(
                Safetensors.readModel(found.path()), (DistilBertConfig) config);
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new DistilBertBackbone(context, (DistilBertConfig) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return switch (task) {
            case SEQUENCE_CLASSIFICATION -> "DistilBertForSequenceClassification";
            case TOKEN_CLASSIFICATION -> "DistilBertForTokenClassification";
            case MASKED_LM -> "DistilBertForMaskedLM";
            default -> "DistilBertModel";
        };
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return DistilBertWeights.toHf(weights);
    }
}
