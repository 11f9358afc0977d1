package dev.hubtune.models.apps;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.SavedModelExport;
import dev.hubtune.models.export.SentenceTransformersFiles;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.MultiLabelClassificationHead;
import dev.hubtune.models.heads.RegressionHead;
import dev.hubtune.models.heads.SequenceClassificationHead;
import dev.hubtune.models.lora.PeftAdapter;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * A text classifier loaded from its directory — exported by hubtune, or any transformers {@code
 * *ForSequenceClassification} checkpoint of a supported family (labels from {@code id2label}):
 * texts or text pairs in, labels and probabilities out.
 */
public final class TextClassifier implements AutoCloseable {

    /**
     * The result for one text.
     *
     * @param label the most probable label; multi-label: the labels above their thresholds,
     *     comma-separated (empty for none); regression: the target's name
     * @param score its probability; multi-label: the highest label probability; regression: the
     *     predicted value
     * @param probabilities the probability of every label, in label-id order (regression: the
     *     value)
     */
    public record Prediction(String label, float score, float[] probabilities) {}

    /** The graph's outputs, whatever the problem type. */
    private record Heads(
            Operand<TFloat32> logits,
            Operand<TFloat32> probabilities,
            String projection,
            Pooling pooling) {}

    private final LoadedModel<Heads> loaded;
    private final Optional<ExportMetadata.Outputs> outputs;
    private final TextTokenizer tokenizer;
    private final Map<String, List<String>> labelsByAdapter;
    private List<String> labels;
    private final Optional<ExportMetadata.DataColumns> data;

    private TextClassifier(
            LoadedModel<Heads> loaded,
            TextTokenizer tokenizer,
            Map<String, List<String>> labelsByAdapter,
            Optional<ExportMetadata.DataColumns> data,
            Optional<ExportMetadata.Outputs> outputs) {
        this.loaded = loaded;
        this.outputs = outputs;
        this.tokenizer = tokenizer;
        this.labelsByAdapter = labelsByAdapter;
        this.labels = labelsByAdapter.get(loaded.activeAdapter());
        this.data = data;
    }

    /**
     * Loads the classifier in {@code dir}, truncating texts as it was trained (its recorded max
     * length), else to its positions.
     */
    public static TextClassifier load(Path dir) throws ModelException, TokenizerException {
        return load(dir, List.of());
    }

    /**
     * Loads the classifier in {@code dir}, truncating texts to {@code maxLength} tokens (at most
     * the model's positions).
     */
    public static TextClassifier load(Path dir, int maxLength)
            throws ModelException, TokenizerException {
        return load(ModelFamilies.describe(dir), maxLength, true, List.of());
    }

    /**
     * Loads the base model in {@code dir} with PEFT LoRA classifier adapters over it (the first
     * active; {@link #useAdapter} switches without reloading the base), truncating texts as the
     * first adapter (or the base) was trained, else to the positions.
     */
    public static TextClassifier load(Path dir, List<Path> adapterDirs)
            throws ModelException, TokenizerException {
        PretrainedModel model = ModelFamilies.describe(dir);
        List<PeftAdapter> adapters = readAdapters(adapterDirs);
        Optional<ExportMetadata.DataColumns> data = data(model, adapters);
        return load(
                model,
                data.map(ExportMetadata.DataColumns::maxLength)
                        .orElse(model.config().maxPositions()),
                false,
                adapters);
    }

    /** The same, truncating texts to {@code maxLength} tokens. */
    public static TextClassifier load(Path dir, int maxLength, List<Path> adapterDirs)
            throws ModelException, TokenizerException {
        return load(ModelFamilies.describe(dir), maxLength, true, readAdapters(adapterDirs));
    }

    private static List<PeftAdapter> readAdapters(List<Path> dirs) throws ModelException {
        List<PeftAdapter> out = new ArrayList<>();
        for (Path d : dirs) {
            out.add(PeftAdapter.read(d));
        }
        return out;
    }

    /** The data columns the first adapter (else the model) was trained with. */
    private static Optional<ExportMetadata.DataColumns> data(
            PretrainedModel model, List<PeftAdapter> adapters) {
        if (!adapters.isEmpty()) {
            Optional<ExportMetadata.DataColumns> d =
                    adapters.get(0).hubtuneMetadata().flatMap(ExportMetadata.DataColumns::read);
            if (d.isPresent()) {
                return d;
            }
        }
        return ExportMetadata.DataColumns.read(model.json());
    }

    private static TextClassifier load(
            PretrainedModel model, int maxLength, boolean explicit, List<PeftAdapter> adapters)
            throws ModelException, TokenizerException {
        Path dir = model.dir();
        // An adapter trained by hubtune says what its head outputs (multi-label, regression);
        // the base it sits on usually is a plain encoder that says nothing.
        Optional<ExportMetadata.Outputs> outputs =
                (adapters.isEmpty()
                                ? Optional.<JsonObject>empty()
                                : adapters.get(0).hubtuneMetadata())
                        .flatMap(ExportMetadata.Outputs::read)
                        .or(() -> ExportMetadata.Outputs.read(model.json()));
        boolean regression =
                outputs.map(o -> o.problemType() == ExportMetadata.ProblemType.REGRESSION)
                        .orElse(false);
        boolean multiLabel =
                outputs.map(
                                o ->
                                        o.problemType()
                                                == ExportMetadata.ProblemType
                                                        .MULTI_LABEL_CLASSIFICATION)
                        .orElse(false);
        Map<String, List<String>> labelsByAdapter = new java.util.HashMap<>();
        List<String> labels;
        if (adapters.isEmpty()) {
            labels = labels(model, regression ? 1 : 2);
            labelsByAdapter.put(null, labels);
        } else {
            labels = null;
            for (PeftAdapter a : adapters) {
                List<String> l = adapterLabels(model, a);
                if (labels != null && l.size() != labels.size()) {
                    throw new ModelException(
                            a.dir()
                                    + " classifies into "
                                    + l.size()
                                    + " labels but "
                                    + adapters.get(0).dir()
                                    + " into "
                                    + labels.size()
                                    + "; adapters over one loaded classifier must have as many"
                                    + " labels");
                }
                labels = labels == null ? l : labels;
                labelsByAdapter.put(a.name(), l);
            }
            labelsByAdapter.put(null, labels);
        }
        model.require(ModelTask.SEQUENCE_CLASSIFICATION);
        Optional<JsonObject> adapterMeta =
                adapters.isEmpty() ? Optional.empty() : adapters.get(0).hubtuneMetadata();
        Pooling pooling =
                adapterMeta
                        .flatMap(m -> ExportMetadata.pooling(m))
                        .or(() -> ExportMetadata.pooling(model.json()))
                        .orElse(Pooling.POOLER);
        int classes = labels.size();
        LoadedModel<Heads> loaded =
                LoadedModel.load(
                        model,
                        (backbone, weights, optional) -> {
                            Heads heads;
                            if (regression) {
                                RegressionHead h = RegressionHead.build(backbone, pooling);
                                heads = new Heads(h.logits, h.logits, h.projection(), pooling);
                            } else if (multiLabel) {
                                MultiLabelClassificationHead h =
                                        MultiLabelClassificationHead.build(
                                                backbone, classes, pooling);
                                heads =
                                        new Heads(
                                                h.logits, h.probabilities, h.projection(), pooling);
                            } else {
                                SequenceClassificationHead h =
                                        SequenceClassificationHead.build(
                                                backbone, classes, pooling);
                                heads =
                                        new Heads(
                                                h.logits, h.probabilities, h.projection(), pooling);
                            }
                            addDenseHead(dir, heads.projection(), weights);
                            return heads;
                        },
                        "a classifier with " + classes + " labels",
                        BuildContext::inference,
                        ModelTask.SEQUENCE_CLASSIFICATION,
                        adapters);
        try {
            TextTokenizer tokenizer =
                    TextTokenizer.builder()
                            .setModelDir(dir)
                            .optMaxLength(ModelLengths.clamp(maxLength, model, explicit))
                            .build();
            return new TextClassifier(
                    loaded, tokenizer, labelsByAdapter, data(model, adapters), outputs);
        } catch (TokenizerException | RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /**
     * An adapter's labels: recorded by hubtune, else the base's {@code id2label}, else {@code
     * LABEL_i} for each row of the classifier it saves (as transformers names them).
     */
    private static List<String> adapterLabels(PretrainedModel model, PeftAdapter a)
            throws ModelException {
        Optional<List<String>> recorded = a.labels();
        if (recorded.isPresent()) {
            return recorded.get();
        }
        Optional<Long> rows =
                a.savedRows("classifier.out_proj.weight")
                        .or(() -> a.savedRows("classifier.weight"));
        List<String> base = ExportMetadata.labels(model.json(), model.dir().resolve("config.json"));
        if (base.size() >= 2 && (rows.isEmpty() || rows.get() == base.size())) {
            return base;
        }
        if (rows.isEmpty() || rows.get() < 2) {
            throw new ModelException(
                    a.dir()
                            + " is not a classifier adapter: it saves no classifier and "
                            + model.dir()
                            + " has no id2label");
        }
        List<String> generic = new ArrayList<>();
        for (int i = 0; i < rows.get(); i++) {
            generic.add("LABEL_" + i);
        }
        return generic;
    }

    /** The names of the adapters loaded over the base, in load order (empty without). */
    public List<String> adapters() {
        return loaded.adapters();
    }

    /** The head's pooling. */
    Pooling pooling() {
        return loaded.heads().pooling();
    }

    /** The head's final projection's module name. */
    String projection() {
        return loaded.heads().projection();
    }

    /** Every parameter's current value (the active adapter merged in). */
    Map<String, WeightTensor> weights() {
        return loaded.weights();
    }

    /**
     * Switches to adapter {@code name} ({@code null}: the base model itself), without reloading the
     * base; not while another thread classifies.
     */
    public void useAdapter(String name) {
        loaded.useAdapter(name);
        labels = labelsByAdapter.get(name);
    }

    /**
     * A classifier exported for sentence-transformers (mean or CLS pooling, which transformers'
     * classifiers cannot express) keeps its projection in {@code 2_Dense/}: add it under the head's
     * names.
     */
    private static void addDenseHead(Path dir, String projection, Map<String, WeightTensor> weights)
            throws ModelException {
        if (weights.containsKey(projection + ".weight")) {
            return;
        }
        SentenceTransformersFiles.readDense(dir)
                .ifPresent(
                        d -> {
                            weights.put(projection + ".weight", d.weight());
                            weights.put(projection + ".bias", d.bias());
                        });
    }

    /**
     * The labels of a classifier: {@code config.json}'s {@code id2label} (what transformers
     * writes), else hubtune's older {@code labels.json}.
     */
    static List<String> labels(PretrainedModel model) throws ModelException {
        return labels(model, 2);
    }

    /** The labels, at least {@code least} of them (1 for a regression). */
    private static List<String> labels(PretrainedModel model, int least) throws ModelException {
        Path dir = model.dir();
        List<String> labels = ExportMetadata.labels(model.json(), dir.resolve("config.json"));
        Path labelsFile = dir.resolve("labels.json");
        if (labels.isEmpty() && Files.isRegularFile(labelsFile)) {
            try {
                labels = List.of(new Gson().fromJson(Files.readString(labelsFile), String[].class));
            } catch (IOException | RuntimeException e) {
                throw new ModelException("cannot read " + labelsFile + ": " + e.getMessage(), e);
            }
        }
        if (labels.size() < least) {
            throw new ModelException(
                    dir
                            + " is not a classifier: its config.json has no id2label (and there is"
                            + " no labels.json). Fine-tune one first (hubtune finetune REF --train"
                            + " FILE …); a GPT-2 continues text with hubtune generate");
        }
        return labels;
    }

    /**
     * Exports this classifier as a TensorFlow SavedModel (signature: the backbone's inputs to
     * {@code logits} and {@code probabilities}) with its tokenizer and labels, for DJL ({@link
     * dev.hubtune.models.serving.ClassificationTranslatorFactory}) or TF Serving.
     */
    public Path exportSavedModel(Path modelDir, Path out) throws ModelException {
        Heads head = loaded.heads();
        return SavedModelExport.write(
                loaded.session(),
                loaded.backbone().inputs(),
                Map.of("logits", head.logits(), "probabilities", head.probabilities()),
                modelDir,
                loaded.backbone().config().modelType(),
                "text-classification",
                out);
    }

    /**
     * What the model's outputs mean: a softmax over classes by default, one sigmoid per label
     * (multi-label), or a value (regression), as {@code config.json}'s {@code problem_type} says.
     */
    public ExportMetadata.ProblemType problemType() {
        return outputs.map(ExportMetadata.Outputs::problemType)
                .orElse(ExportMetadata.ProblemType.SINGLE_LABEL_CLASSIFICATION);
    }

    /** What the outputs mean beyond one softmax (problem type, thresholds), if anything. */
    public Optional<ExportMetadata.Outputs> outputs() {
        return outputs;
    }

    /** The columns and length the classifier was fine-tuned with, if hubtune recorded them. */
    public Optional<ExportMetadata.DataColumns> trainingData() {
        return data;
    }

    /** Tokens per text this classifier truncates to. */
    public int maxLength() {
        return tokenizer.maxLength();
    }

    /** The labels in id order. */
    public List<String> labels() {
        return labels;
    }

    /** Classifies texts. */
    public List<Prediction> predict(List<String> texts) throws TokenizerException {
        return predict(tokenizer.encodeBatch(texts));
    }

    /** Classifies text pairs. */
    public List<Prediction> predict(List<String> texts, List<String> pairs)
            throws TokenizerException {
        return predict(tokenizer.encodeBatch(texts, pairs));
    }

    private List<Prediction> predict(Batch batch) {
        try (InputTensors inputs = InputTensors.of(batch);
                Result r =
                        inputs.feed(loaded.session().runner(), loaded.backbone().inputs())
                                .fetch(loaded.heads().probabilities())
                                .run()) {
            float[] flat = Tensors.floats((TFloat32) r.get(0));
            List<Prediction> out = new ArrayList<>();
            int c = labels.size();
            for (int b = 0; b < batch.batchSize(); b++) {
                float[] p = Arrays.copyOfRange(flat, b * c, (b + 1) * c);
                int best = 0;
                for (int k = 1; k < c; k++) {
                    if (p[k] > p[best]) {
                        best = k;
                    }
                }
                out.add(
                        switch (problemType()) {
                            // the logit is the value (a normalised target is folded into
                            // the projection at export), as transformers reads it
                            case REGRESSION -> new Prediction(labels.get(0), p[0], p);
                            case MULTI_LABEL_CLASSIFICATION -> {
                                List<Double> thresholds = outputs.orElseThrow().thresholds();
                                List<String> chosen = new ArrayList<>();
                                for (int k = 0; k < c; k++) {
                                    double t = thresholds.size() == c ? thresholds.get(k) : 0.5;
                                    if (p[k] > t) {
                                        chosen.add(labels.get(k));
                                    }
                                }
                                yield new Prediction(String.join(",", chosen), p[best], p);
                            }
                            default -> new Prediction(labels.get(best), p[best], p);
                        });
            }
            return out;
        }
    }

    @Override
    public void close() {
        loaded.close();
        tokenizer.close();
    }
}
