package dev.hubtune.models.rnn;

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
 * hubtune's recurrent encoders ({@code model_type} {@code hubtune-rnn}): weights in safetensors
 * under the graph's own names and Keras's layout ({@code encoder.l0.kernel [in, 4u]} …; {@code
 * nn.RecurrentWeights} converts them for PyTorch's {@code nn.LSTM}).
 */
public final class RnnFamily implements ModelFamily {

    /** For the ServiceLoader. */
    public RnnFamily() {}

    @Override
    public String displayName() {
        return "hubtune RNN";
    }

    @Override
    public List<String> modelTypes() {
        return List.of(RnnConfig.MODEL_TYPE);
    }

    @Override
    public Set<ModelTask> tasks() {
        return EnumSet.of(ModelTask.EMBEDDING, ModelTask.SEQUENCE_CLASSIFICATION);
    }

    @Override
    public FamilyConfig readConfig(JsonObject config, Path file) throws ModelException {
        return RnnConfig.read(config, file);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        WeightFiles.Found found = WeightFiles.find(dir, EnumSet.of(WeightFiles.Format.SAFETENSORS));
        return Safetensors.readModel(found.path());
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new RnnBackbone(context, (RnnConfig) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return switch (task) {
            case SEQUENCE_CLASSIFICATION -> "HubtuneRnnForSequenceClassification";
            case TOKEN_CLASSIFICATION -> "HubtuneRnnForTokenClassification";
            default -> "HubtuneRnnModel";
        };
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return weights;
    }
}
