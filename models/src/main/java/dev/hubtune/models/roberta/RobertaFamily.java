package dev.hubtune.models.roberta;

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
 * RoBERTa ({@code model_type} {@code roberta}) from HF safetensors checkpoints. XLM-RoBERTa and
 * CamemBERT run the same network under their own {@code model_type} and class names ({@link
 * XlmRobertaFamily}, {@link CamembertFamily}).
 */
public class RobertaFamily implements ModelFamily {

    private final String displayName;
    private final String modelType;
    private final String classPrefix;

    /** For the ServiceLoader. */
    public RobertaFamily() {
        this("RoBERTa", "roberta", "Roberta");
    }

    RobertaFamily(String displayName, String modelType, String classPrefix) {
        this.displayName = displayName;
        this.modelType = modelType;
        this.classPrefix = classPrefix;
    }

    @Override
    public String displayName() {
        return displayName;
    }

    @Override
    public List<String> modelTypes() {
        return List.of(modelType);
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
        return RobertaConfig.read(config, file, modelType);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        WeightFiles.Found found = WeightFiles.find(dir, EnumSet.of(WeightFiles.Format.SAFETENSORS));
        return RobertaWeights.fromHf(Safetensors.readModel(found.path()), (RobertaConfig) config);
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new RobertaBackbone(context, (RobertaConfig) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return classPrefix
                + switch (task) {
                    case SEQUENCE_CLASSIFICATION -> "ForSequenceClassification";
                    case TOKEN_CLASSIFICATION -> "ForTokenClassification";
                    case MASKED_LM -> "ForMaskedLM";
                    default -> "Model";
                };
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return RobertaWeights.toHf(weights);
    }
}
