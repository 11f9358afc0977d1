package dev.hubtune.finetune;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.ModelLengths;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.SequenceClassificationHead;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.ParameterStore;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.DatasetReader;
import dev.hubtune.tokenizers.data.Example;
import dev.hubtune.tokenizers.data.LabelVocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Sequence classification (single texts or pairs) on any encoder family: labelled examples from
 * CSV/TSV/JSONL, the family's classification head, class weights for imbalanced data, accuracy,
 * macro-F1, per-class precision and recall and the confusion matrix, and export in HF format with
 * the labels.
 */
final class ClassificationTask
        implements TrainingTask<ClassificationTask.Item, ClassificationMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(ClassificationTask.class);
    private static final int EVAL_BATCH = 64;

    /** An encoded text (or pair) and its class id. */
    record Item(Encoded encoded, int label) {}

    /**
     * What only classification needs.
     *
     * @param textColumn the text column
     * @param pairColumn the second text of pairs, or null
     * @param labelColumn the label column
     * @param maxLength tokens per sequence
     * @param balanceClasses weight the loss by inverse class frequency
     * @param freezeEncoder train only the head
     * @param pooling the head's pooling, or null to choose by the model
     */
    record Options(
            String textColumn,
            String pairColumn,
            String labelColumn,
            int maxLength,
            boolean balanceClasses,
            boolean freezeEncoder,
            Pooling pooling) {}

    private final TrainingSettings s;
    private final Options o;
    private final PretrainedModel model;
    private final TextTokenizer tokenizer;
    private final LabelVocabulary labels;
    private final List<Item> train;
    private final List<Item> validation;
    private final Pooling pooling;
    private Backbone backbone;
    private SequenceClassificationHead head;
    private Set<String> headParameters;
    private TFloat32 classWeights;

    private ClassificationTask(
            TrainingSettings s,
            Options o,
            PretrainedModel model,
            TextTokenizer tokenizer,
            LabelVocabulary labels,
            List<Item> train,
            List<Item> validation) {
        this.s = s;
        this.o = o;
        this.model = model;
        this.tokenizer = tokenizer;
        this.labels = labels;
        this.train = train;
        this.validation = validation;
        // transformers' own head by default, so the export loads there with the same outputs.
        this.pooling = o.pooling() != null ? o.pooling() : Pooling.POOLER;
        LOG.info("classification head on the {} pooling", pooling.configName());
    }

    /** Reads, checks and encodes the data. */
    static ClassificationTask prepare(TrainingSettings s, Options o)
            throws FinetuneException, ModelException, TokenizerException {
        PretrainedModel described = ModelFamilies.describe(s.modelDir());
        described.require(ModelTask.SEQUENCE_CLASSIFICATION);
        PretrainedModel model = described.withWeights();
        TextTokenizer tokenizer =
                TextTokenizer.builder()
                        .setModelDir(model.dir())
                        .optMaxLength(ModelLengths.clamp(o.maxLength(), model, true))
                        .build();
        try {
            HeldOut<Example> split = HeldOut.split(s, f -> read(f, o), Example::line);
            List<Example> trainExamples = split.train();
            List<Example> validationExamples = split.validation();
            if (trainExamples.isEmpty()) {
                throw new FinetuneException(
                        s.trainFile()
                                + " gives no training examples; check the file and the column names");
            }
            if (validationExamples.isEmpty()) {
                throw new FinetuneException(
                        "no validation examples: give --validation FILE or a larger training file");
            }
            TreeSet<String> seen = new TreeSet<>();
            trainExamples.forEach(e -> seen.add(label(e)));
            LabelVocabulary labels = LabelVocabulary.of(seen);
            if (labels.size() < 2) {
                throw new FinetuneException(
                        "the training data has a single class ("
                                + labels.labels()
                                + "); a classifier needs examples of at least two labels");
            }
            List<Item> train = encode(tokenizer, trainExamples, labels);
            List<Item> validation =
                    HeldOut.onValidation(s, () -> encode(tokenizer, validationExamples, labels));
            LOG.info(
                    "{} training and {} validation examples, {} classes {}",
                    train.size(),
                    validation.size(),
                    labels.size(),
                    labels.labels());
            return new ClassificationTask(s, o, model, tokenizer, labels, train, validation);
        } catch (FinetuneException | TokenizerException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static List<Example> read(Path file, Options o) throws TokenizerException {
        DatasetReader.Builder rb =
                DatasetReader.builder()
                        .setFile(file)
                        .setTextColumn(o.textColumn())
                        .optLabelColumn(o.labelColumn());
        if (o.pairColumn() != null) {
            rb.optTextPairColumn(o.pairColumn());
        }
        List<Example> out = new ArrayList<>();
        try (DatasetReader r = rb.build()) {
            Optional<Example> e;
            while ((e = r.next()).isPresent()) {
                out.add(e.get());
            }
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static String label(Example e) {
        return e.label().orElse("");
    }

    private static List<Item> encode(
            TextTokenizer tok, List<Example> examples, LabelVocabulary labels)
            throws TokenizerException {
        List<Item> items = new ArrayList<>(examples.size());
        for (Example e : examples) {
            Encoded enc =
                    e.pair().isPresent()
                            ? tok.encode(e.text(), e.pair().get())
                            : tok.encode(e.text());
            items.add(new Item(enc, labels.id(label(e), e.line())));
        }
        return items;
    }

    @Override
    public List<Item> train() {
        return train;
    }

    @Override
    public int validationSize() {
        return validation.size();
    }

    @Override
    public int length(Item example) {
        return example.encoded().length();
    }

    @Override
    public Model build(BuildContext context) {
        backbone = model.family().build(context, model.config());
        ParameterStore parameters = context.parameters();
        Set<String> encoder = new TreeSet<>(parameters.parameters().keySet());
        head = SequenceClassificationHead.build(backbone, labels.size(), pooling);
        headParameters = new TreeSet<>(parameters.parameters().keySet());
        headParameters.removeAll(encoder);
        if (o.freezeEncoder()) {
            parameters.freeze(encoder::contains);
        }
        classWeights = TFloat32.vectorOf(classWeights());
        return new Model(head.loss, parameters, context.dropoutControl(), headParameters);
    }

    /**
     * The pretrained weights, and fresh ones (from the head's initializers, seeded) for head
     * parameters the checkpoint lacks or has for another number of classes.
     */
    @Override
    public Map<String, WeightTensor> initialWeights() throws FinetuneException {
        ParameterStore parameters = backbone.context().parameters();
        Map<String, WeightTensor> pretrained = model.weights();
        Set<String> fresh = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        for (var p : parameters.parameters().values()) {
            WeightTensor w = pretrained.get(p.name());
            boolean fits = w != null && Arrays.equals(w.shape(), p.shape());
            if (!fits && headParameters.contains(p.name())) {
                fresh.add(p.name());
            } else if (!fits) {
                missing.add(p.name() + (w == null ? "" : " " + w.describe()));
            }
        }
        if (!missing.isEmpty()) {
            throw new FinetuneException(
                    s.modelDir()
                            + " lacks weights the model needs (or has them misshapen): "
                            + missing);
        }
        Map<String, WeightTensor> initial = new LinkedHashMap<>();
        Map<String, WeightTensor> freshValues = parameters.initialise(fresh::contains, s.seed());
        for (String name : parameters.parameters().keySet()) {
            initial.put(name, fresh.contains(name) ? freshValues.get(name) : pretrained.get(name));
        }
        Set<String> unused = new TreeSet<>(pretrained.keySet());
        unused.removeAll(parameters.parameters().keySet());
        if (!fresh.isEmpty()) {
            LOG.info("Newly initialised (train them before use): {}", fresh);
        }
        if (!unused.isEmpty()) {
            LOG.info("Pretrained weights not used: {}", unused);
        }
        return initial;
    }

    private float[] classWeights() {
        int classes = labels.size();
        float[] w = new float[classes];
        Arrays.fill(w, 1f);
        if (!o.balanceClasses()) {
            return w;
        }
        long[] counts = new long[classes];
        train.forEach(i -> counts[i.label()]++);
        for (int c = 0; c < classes; c++) {
            // "balanced": n / (classes · count), as scikit-learn defines it
            w[c] = counts[c] == 0 ? 0f : (float) train.size() / (classes * counts[c]);
        }
        return w;
    }

    @Override
    public Feed feed(List<Item> batch) {
        InputTensors inputs = InputTensors.of(pad(batch));
        TInt32 y = TInt32.vectorOf(batch.stream().mapToInt(Item::label).toArray());
        long tokens = batch.stream().mapToLong(i -> i.encoded().length()).sum();
        return new Feed(
                batch.size(),
                tokens,
                runner ->
                        inputs.feed(runner, backbone.inputs())
                                .feed(head.labels, y)
                                .feed(head.classWeights, classWeights),
                inputs,
                y);
    }

    @Override
    public ClassificationMetrics evaluate(Session session) {
        int classes = labels.size();
        int[] predicted = new int[validation.size()];
        int[] gold = new int[validation.size()];
        double lossSum = 0;
        for (int start = 0; start < validation.size(); start += EVAL_BATCH) {
            List<Item> chunk =
                    validation.subList(start, Math.min(validation.size(), start + EVAL_BATCH));
            int[] y = chunk.stream().mapToInt(Item::label).toArray();
            try (InputTensors inputs = InputTensors.of(pad(chunk));
                    TInt32 ys = TInt32.vectorOf(y);
                    Result r =
                            inputs.feed(session.runner(), backbone.inputs())
                                    .feed(head.labels, ys)
                                    .fetch(head.probabilities)
                                    .fetch(head.loss)
                                    .run()) {
                float[] flat = Tensors.floats((TFloat32) r.get(0));
                for (int i = 0; i < chunk.size(); i++) {
                    int bestClass = 0;
                    for (int c = 1; c < classes; c++) {
                        if (flat[i * classes + c] > flat[i * classes + bestClass]) {
                            bestClass = c;
                        }
                    }
                    predicted[start + i] = bestClass;
                    gold[start + i] = y[i];
                }
                lossSum += ((TFloat32) r.get(1)).getFloat() * chunk.size();
            }
        }
        return ClassificationMetrics.of(
                predicted, gold, classes, lossSum / Math.max(1, validation.size()));
    }

    private Batch pad(List<Item> items) {
        return tokenizer.pad(items.stream().map(Item::encoded).toList());
    }

    @Override
    public Class<ClassificationMetrics> metricsType() {
        return ClassificationMetrics.class;
    }

    @Override
    public String fingerprint() {
        long h = 1125899906842597L;
        for (Item i : train) {
            for (long id : i.encoded().ids()) {
                h = 31 * h + id;
            }
            h = 31 * h + i.label();
        }
        return "classification/"
                + labels.labels()
                + "/"
                + o.maxLength()
                + "/"
                + o.balanceClasses()
                + "/"
                + o.freezeEncoder()
                + "/"
                + train.size()
                + "/"
                + Long.toHexString(h);
    }

    @Override
    public Path export(Map<String, WeightTensor> weights, Path dir) throws ModelException {
        ExportMetadata meta =
                ExportMetadata.sequenceClassifier(labels.labels(), pooling)
                        .withData(
                                new ExportMetadata.DataColumns(
                                        o.textColumn(),
                                        o.pairColumn(),
                                        o.labelColumn(),
                                        tokenizer.maxLength()));
        if (pooling != Pooling.POOLER) {
            return HfExport.writeSentenceClassifier(
                    model.family(),
                    model.config(),
                    weights,
                    meta,
                    head.projection(),
                    tokenizer.maxLength(),
                    model.dir(),
                    dir);
        }
        return HfExport.write(model.family(), model.config(), weights, meta, model.dir(), dir);
    }

    @Override
    public void close() {
        if (classWeights != null) {
            classWeights.close();
        }
        tokenizer.close();
    }
}
