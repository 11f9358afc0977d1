package dev.hubtune.models.bert;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.OnnxWeights;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.TensorBundle;
import dev.hubtune.models.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Loads a BERT model directory: {@code config.json} (or {@code bert_config.json}) plus weights. */
public final class PretrainedBert {

    private PretrainedBert() {}

    /** The configuration of the model in {@code dir}. */
    public static BertConfig config(Path dir) throws ModelException {
        for (String name : new String[] {"config.json", "bert_config.json"}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return BertConfig.read(dir.resolve(name));
            }
        }
        throw new ModelException(
                "no config.json in "
                        + dir
                        + "; a BERT model directory needs its HF config.json"
                        + " (for manifest models, pull them by manifest id, which supplies it)");
    }

    /** Reads the weights of the model in {@code dir} under HF names, kernels [in, out]. */
    public static Map<String, WeightTensor> weights(Path dir) throws ModelException {
        if (Files.isRegularFile(dir.resolve("model.safetensors"))
                || Files.isRegularFile(dir.resolve("model.safetensors.index.json"))) {
            return BertWeights.fromPyTorch(Safetensors.readModel(dir));
        }
        if (Files.isRegularFile(dir.resolve("model.onnx"))) {
            return OnnxWeights.read(dir.resolve("model.onnx"));
        }
        Path bundle = tensorBundleIndex(dir);
        if (bundle != null) {
            return BertWeights.fromTensorFlow(TensorBundle.read(bundle));
        }
        if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))) {
            throw new ModelException(
                    dir.resolve("pytorch_model.bin")
                            + " is a PyTorch pickle, which hubtune does not load"
                            + " (unpickling runs code). Use the repository's model.safetensors or an ONNX export instead.");
        }
        throw new ModelException(
                "no weights hubtune can read in "
                        + dir
                        + ": expected model.safetensors (or its sharded index), a TF checkpoint"
                        + " (*.ckpt.index + data), a SavedModel's variables/variables.index, or"
                        + " model.onnx");
    }

    /**
     * The index of a TF checkpoint in {@code dir}: a SavedModel's {@code
     * variables/variables.index}, or a single {@code *.index} beside its data shards (Google's
     * {@code bert_model.ckpt.index}).
     */
    private static Path tensorBundleIndex(Path dir) throws ModelException {
        Path saved = dir.resolve("variables").resolve("variables.index");
        if (Files.isRegularFile(saved)) {
            return saved;
        }
        try (var files = Files.list(dir)) {
            List<Path> indexes =
                    files.filter(p -> p.getFileName().toString().endsWith(".index"))
                            .filter(Files::isRegularFile)
                            .sorted()
                            .toList();
            if (indexes.size() > 1) {
                throw new ModelException(
                        dir
                                + " holds several TF checkpoints "
                                + indexes
                                + "; keep the one to load");
            }
            return indexes.isEmpty() ? null : indexes.get(0);
        } catch (IOException e) {
            throw new ModelException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Loads config and weights into an inference model. */
    public static BertModel load(Path dir) throws ModelException {
        return BertModel.load(config(dir), weights(dir));
    }
}
