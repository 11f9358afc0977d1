package dev.hubtune.models.deberta;

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
 * DeBERTa-v2 and DeBERTa-v3 ({@code model_type} {@code deberta-v2}) from HF safetensors
 * checkpoints: embeddings, classification and token classification.
 */
public final class DebertaV2Family implements ModelFamily {

    /** For the ServiceLoader. */
    public DebertaV2Family() {}

    @Override
    public String displayName() {
        return "DeBERTa-v2";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("deberta-v2");
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
        return DebertaV2Config.read(config, file);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        WeightFiles.Found found = WeightFiles.find(dir, EnumSet.of(WeightFiles.Format.SAFETENSORS));
        return DebertaV2Weights.fromHf(
                Safetensors.readModel(found.path()), (DebertaV2Config) config);
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new DebertaV2Backbone(context, (DebertaV2Config) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return switch (task) {
            case SEQUENCE_CLASSIFICATION -> "DebertaV2ForSequenceClassification";
            case TOKEN_CLASSIFICATION -> "DebertaV2ForTokenClassification";
            default -> "DebertaV2Model";
        };
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return DebertaV2Weights.toHf(weights);
    }
}
