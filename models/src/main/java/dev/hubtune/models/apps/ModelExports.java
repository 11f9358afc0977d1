package dev.hubtune.models.apps;

import com.google.gson.JsonElement;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.export.SavedModelExport;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.tokenizers.TokenizerException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Exports any model directory hubtune runs, keeping what it is: a classifier stays a classifier
 * (head, labels, pooling), a masked LM keeps its head, a decoder keeps its language-model head.
 * Hugging Face format for Python and other tools; a SavedModel with a serving signature for DJL and
 * TF Serving.
 */
public final class ModelExports {

    private ModelExports() {}

    /**
     * What the model in {@code model}'s directory is for: recorded by hubtune, else what its {@code
     * architectures} and {@code id2label} say, else what its family does first.
     */
    public static ExportMetadata metadata(PretrainedModel model) throws ModelException {
        Path configFile = model.dir().resolve("config.json");
        List<String> labels = ExportMetadata.labels(model.json(), configFile);
        Optional<Pooling> pooling = ExportMetadata.pooling(model.json());
        String architecture = "";
        JsonElement architectures = model.json().get("architectures");
        if (architectures != null
                && architectures.isJsonArray()
                && !architectures.getAsJsonArray().isEmpty()) {
            architecture = architectures.getAsJsonArray().get(0).getAsString();
        }
        ModelTask task;
        if (model.family().tasks().contains(ModelTask.CAUSAL_LM)) {
            task = ModelTask.CAUSAL_LM;
        } else if (architecture.endsWith("ForTokenClassification") && !labels.isEmpty()) {
            task = ModelTask.TOKEN_CLASSIFICATION;
        } else if (!labels.isEmpty()
                && (architecture.endsWith("ForSequenceClassification") || pooling.isPresent())) {
            task = ModelTask.SEQUENCE_CLASSIFICATION;
            pooling = Optional.of(pooling.orElse(Pooling.POOLER));
        } else if (architecture.endsWith("ForMaskedLM")
                || architecture.endsWith("ForPreTraining")) {
            task = ModelTask.MASKED_LM;
        } else {
            task = ModelTask.EMBEDDING;
        }
        return new ExportMetadata(
                task,
                task == ModelTask.SEQUENCE_CLASSIFICATION || task == ModelTask.TOKEN_CLASSIFICATION
                        ? labels
                        : List.of(),
                task == ModelTask.SEQUENCE_CLASSIFICATION ? pooling : Optional.empty(),
                ExportMetadata.DataColumns.read(model.json()),
                task == ModelTask.SEQUENCE_CLASSIFICATION
                        ? ExportMetadata.Outputs.read(model.json())
                        : Optional.empty());
    }

    /**
     * Writes the model in {@code dir} in Hugging Face's format to {@code out}: every weight it has
     * (task heads included) under transformers' names for its task.
     */
    public static Path huggingFace(Path dir, Path out) throws ModelException {
        PretrainedModel model = ModelFamilies.load(dir);
        return HfExport.write(
                model.family(), model.config(), model.weights(), metadata(model), dir, out);
    }

    /**
     * Writes the model in {@code dir} as a SavedModel to {@code out}, with the serving signature of
     * its task: a classifier's {@code logits} and {@code probabilities}, a decoder's next-token
     * {@code logits} and {@code last_logits}, an encoder's {@code last_hidden_state} and {@code
     * embedding}.
     */
    public static Path savedModel(Path dir, Path out) throws ModelException {
        PretrainedModel model = ModelFamilies.describe(dir);
        ExportMetadata meta = metadata(model);
        try {
            switch (meta.task()) {
                case SEQUENCE_CLASSIFICATION -> {
                    try (TextClassifier classifier =
                            TextClassifier.load(dir, model.config().maxPositions())) {
                        return classifier.exportSavedModel(dir, out);
                    }
                }
                case TOKEN_CLASSIFICATION -> {
                    try (TokenClassifier classifier = TokenClassifier.load(dir)) {
                        return classifier.exportSavedModel(dir, out);
                    }
                }
                case CAUSAL_LM -> {
                    return decoderSavedModel(model, out);
                }
                default -> {
                    try (EncoderModel encoder = EncoderModel.load(model)) {
                        return encoder.exportSavedModel(dir, out);
                    }
                }
            }
        } catch (TokenizerException e) {
            throw new ModelException(e.getMessage(), e);
        }
    }

    /** A decoder without a cache: token ids in, logits at every position and at the last out. */
    private static Path decoderSavedModel(PretrainedModel model, Path out) throws ModelException {
        try (LoadedModel<Void> loaded =
                LoadedModel.load(
                        model,
                        (backbone, weights, optional) -> null,
                        "the language model in " + model.name(),
                        BuildContext::serving)) {
            DecoderBackbone decoder = (DecoderBackbone) loaded.backbone();
            return SavedModelExport.write(
                    loaded.session(),
                    decoder.inputs(),
                    Map.of("logits", decoder.logits(), "last_logits", decoder.lastLogits()),
                    model.dir(),
                    model.config().modelType(),
                    "text-generation",
                    out);
        }
    }
}
