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
import dev.hubtune.models.weights.WeightTensor;
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
     * Writes the base model in {@code base} with the PEFT LoRA adapter in {@code adapterDir} folded
     * in ({@code W + scale·A·B}, the saved modules in place) to {@code out} in Hugging Face format:
     * a plain model that computes what base + adapter compute, for tools without PEFT. A classifier
     * adapter gives a classifier (its labels and head), a decoder's a decoder, another an encoder.
     *
     * @throws ModelException when the adapter belongs to another base, or writing fails
     */
    public static Path mergedHuggingFace(Path base, Path adapterDir, Path out)
            throws ModelException {
        PretrainedModel model = ModelFamilies.describe(base);
        dev.hubtune.models.lora.PeftAdapter adapter =
                dev.hubtune.models.lora.PeftAdapter.read(adapterDir);
        String type = adapter.taskType().orElse("");
        try {
            if (type.equals("SEQ_CLS")) {
                try (TextClassifier classifier = TextClassifier.load(base, List.of(adapterDir))) {
                    ExportMetadata meta =
                            ExportMetadata.sequenceClassifier(
                                    classifier.labels(), classifier.pooling());
                    if (classifier.trainingData().isPresent()) {
                        meta = meta.withData(classifier.trainingData().get());
                    }
                    if (classifier.outputs().isPresent()) {
                        meta = meta.withOutputs(classifier.outputs().get());
                    }
                    if (classifier.pooling() != Pooling.POOLER) {
                        return HfExport.writeSentenceClassifier(
                                model.family(),
                                model.config(),
                                classifier.weights(),
                                meta,
                                classifier.projection(),
                                classifier.maxLength(),
                                base,
                                out);
                    }
                    return HfExport.write(
                            model.family(), model.config(), classifier.weights(), meta, base, out);
                }
            }
            if (type.equals("TOKEN_CLS")) {
                throw new ModelException(
                        adapterDir
                                + " is a token-classification adapter; hubtune merges"
                                + " sequence-classification, causal-LM and encoder adapters");
            }
            if (model.family().tasks().contains(ModelTask.CAUSAL_LM)) {
                try (DecoderModel decoder = DecoderModel.load(model, List.of(adapter))) {
                    return HfExport.write(
                            model.family(),
                            model.config(),
                            decoder.weights(),
                            ExportMetadata.of(ModelTask.CAUSAL_LM),
                            base,
                            out);
                }
            }
            ExportMetadata meta = metadata(model);
            try (EncoderModel encoder = EncoderModel.load(model, List.of(adapter))) {
                // Only what the base has (the encoder graph holds a pooler and masked-LM head
                // either way, freshly initialised where absent).
                Map<String, WeightTensor> weights = encoder.weights();
                weights.keySet().retainAll(ModelFamilies.load(base).weights().keySet());
                return HfExport.write(
                        model.family(),
                        model.config(),
                        weights,
                        ExportMetadata.of(
                                meta.task() == ModelTask.MASKED_LM
                                        ? ModelTask.MASKED_LM
                                        : ModelTask.EMBEDDING),
                        base,
                        out);
            }
        } catch (TokenizerException e) {
            throw new ModelException(e.getMessage(), e);
        }
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
