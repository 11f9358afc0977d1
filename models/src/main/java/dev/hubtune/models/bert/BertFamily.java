package dev.hubtune.models.bert;

import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.ModelFamily;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.weights.OnnxWeights;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.TensorBundle;
import dev.hubtune.models.weights.WeightFiles;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BERT ({@code model_type} {@code bert}): HF checkpoints (safetensors), Google's TensorFlow
 * checkpoints and SavedModels, and ONNX exports of sentence-transformers encoders.
 */
public final class BertFamily implements ModelFamily {

    /** For the ServiceLoader. */
    public BertFamily() {}

    @Override
    public String displayName() {
        return "BERT";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("bert");
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
        return BertConfig.read(config, file);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        WeightFiles.Found found =
                WeightFiles.find(
                        dir,
                        EnumSet.of(
                                WeightFiles.Format.SAFETENSORS,
                                WeightFiles.Format.ONNX,
                                WeightFiles.Format.TF_CHECKPOINT));
        return switch (found.format()) {
            case SAFETENSORS -> BertWeights.fromPyTorch(Safetensors.readModel(found.path()));
            case ONNX -> OnnxWeights.read(found.path());
            case TF_CHECKPOINT -> BertWeights.fromTensorFlow(TensorBundle.read(found.path()));
            case GGUF -> throw new ModelException("BERT models are not read from GGUF");
        };
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new BertBackbone(context, (BertConfig) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return switch (task) {
            case SEQUENCE_CLASSIFICATION -> "BertForSequenceClassification";
            case TOKEN_CLASSIFICATION -> "BertForTokenClassification";
            case MASKED_LM -> "BertForMaskedLM";
            default -> "BertModel";
        };
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return BertWeights.toPyTorch(weights);
    }
}
