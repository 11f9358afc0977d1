package dev.hubtune.finetune;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.ModelLengths;
import dev.hubtune.models.apps.TextClassifier;
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
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
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
    /**
     * One example.
     *
     * @param encoded its tokens
     * @param label its class id, or -1 for a text without a label (distillation only)
     * @param soft distillation: the teacher's distribution at the temperature, else null
     */
    record Item(Encoded encoded, int label, float[] soft) {
        Item(Encoded encoded, int label) {
            this(encoded, label, null);
        }
    }

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
     * @param distillation learn from a teacher classifier too, or null
     */
    record Options(
            String textColumn,
            String pairColumn,
            String labelColumn,
            int maxLength,
            boolean balanceClasses,
            boolean freezeEncoder,
            Pooling pooling,
            Distillation distillation) {}

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
    private Placeholder<TFloat32> softTargets;
    private Placeholder<TFloat32> goldMask;

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
            LabelVocabulary labels;
            TextClassifier teacher = null;
            if (o.distillation() != null) {
                // the student classifies into the teacher's classes, in its order
                teacher = teacher(o.distillation(), o.maxLength());
                labels = LabelVocabulary.ordered(teacher.labels());
            } else {
                TreeSet<String> seen = new TreeSet<>();
                trainExamples.forEach(e -> seen.add(label(e)));
                labels = LabelVocabulary.of(seen);
            }
            if (labels.size() < 2) {
                throw new FinetuneException(
                        "the training data has a single class ("
                                + labels.labels()
                                + "); a classifier needs examples of at least two labels");
            }
            List<Item> train;
            List<Item> validation =
                    HeldOut.onValidation(s, () -> encode(tokenizer, validationExamples, labels));
            if (teacher != null) {
                try (TextClassifier t = teacher) {
                    train = distilled(t, o, tokenizer, trainExamples, labels, s.seed());
                }
            } else {
                train = encode(tokenizer, trainExamples, labels);
            }
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

    private static TextClassifier teacher(Distillation d, int maxLength) throws FinetuneException {
        try {
            TextClassifier t = TextClassifier.load(d.teacher(), maxLength);
            if (t.problemType() != ExportMetadata.ProblemType.SINGLE_LABEL_CLASSIFICATION) {
                t.close();
                throw new FinetuneException(
                        d.teacher()
                                + " is a "
                                + t.problemType().configName()
                                + " model; distillation learns a single-label classifier's"
                                + " probabilities");
            }
            return t;
        } catch (ModelException | TokenizerException e) {
            throw new FinetuneException(
                    "cannot load the teacher " + d.teacher() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The training examples (gold labels where the data have them) and the unlabelled texts, each
     * with the teacher's distribution at the distillation temperature: {@code softmax(log p / T)}
     * equals {@code softmax(logits / T)}, since the log-probabilities are the logits shifted by one
     * constant per row.
     */
    private static List<Item> distilled(
            TextClassifier teacher,
            Options o,
            TextTokenizer tokenizer,
            List<Example> labelled,
            LabelVocabulary labels,
            long seed)
            throws TokenizerException, FinetuneException {
        List<Example> all = new ArrayList<>(labelled);
        int gold = all.size();
        if (o.distillation().unlabeledFile() != null) {
            Options textOnly =
                    new Options(
                            o.textColumn(),
                            o.pairColumn(),
                            null,
                            o.maxLength(),
                            false,
                            false,
                            null,
                            null);
            all.addAll(read(o.distillation().unlabeledFile(), textOnly));
        }
        int copies = o.distillation().augmentedCopies();
        if (copies > 0 && o.pairColumn() != null) {
            throw new FinetuneException(
                    "augmentation masks and cuts single texts; the data are text pairs (column "
                            + o.pairColumn()
                            + "): distil them without augmented copies");
        }
        if (copies > 0) {
            String mask =
                    tokenizer.tokenId("[MASK]").isPresent()
                            ? "[MASK]"
                            : tokenizer.tokenId("<mask>").isPresent() ? "<mask>" : "";
            List<String> augmented =
                    new TextAugmentation(copies, mask, seed)
                            .augment(all.stream().map(Example::text).toList());
            int line = 0;
            for (String text : augmented) {
                all.add(new Example(text, Optional.empty(), Optional.empty(), ++line));
            }
        }
        double t = o.distillation().temperature();
        List<Item> items = new ArrayList<>(all.size());
        for (int start = 0; start < all.size(); start += EVAL_BATCH) {
            List<Example> chunk = all.subList(start, Math.min(all.size(), start + EVAL_BATCH));
            List<String> texts = chunk.stream().map(Example::text).toList();
            List<TextClassifier.Prediction> p =
                    o.pairColumn() != null
                            ? teacher.predict(
                                    texts, chunk.stream().map(e -> e.pair().orElse("")).toList())
                            : teacher.predict(texts);
            for (int i = 0; i < chunk.size(); i++) {
                Example e = chunk.get(i);
                boolean hasGold = start + i < gold && e.label().isPresent();
                Encoded enc =
                        e.pair().isPresent()
                                ? tokenizer.encode(e.text(), e.pair().get())
                                : tokenizer.encode(e.text());
                items.add(
                        new Item(
                                enc,
                                hasGold ? labels.id(label(e), e.line()) : -1,
                                tempered(p.get(i).probabilities(), t)));
            }
        }
        LOG.info(
                "distilling {} ({} labels) at temperature {}: {} texts, {} with gold labels"
                        + " (weight {})",
                o.distillation().teacher(),
                labels.size(),
                t,
                items.size(),
                gold,
                o.distillation().goldWeight());
        return items;
    }

    /** {@code softmax(log p / t)}, computed stably in double. */
    static float[] tempered(float[] p, double t) {
        double[] z = new double[p.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < p.length; c++) {
            z[c] = Math.log(Math.max(p[c], Float.MIN_NORMAL)) / t;
            max = Math.max(max, z[c]);
        }
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        float[] out = new float[p.length];
        for (int c = 0; c < p.length; c++) {
            out[c] = (float) (z[c] / sum);
        }
        return out;
    }

    private static List<Example> read(Path file, Options o) throws TokenizerException {
        DatasetReader.Builder rb =
                DatasetReader.builder().setFile(file).setTextColumn(o.textColumn());
        if (o.labelColumn() != null) {
            rb.optLabelColumn(o.labelColumn());
        }
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
        Operand<TFloat32> loss = head.loss;
        if (o.distillation() != null) {
            Ops tf = context.ops();
            softTargets =
                    tf.withName("teacher_probabilities")
                            .placeholder(
                                    TFloat32.class, Placeholder.shape(Shape.of(-1, labels.size())));
            goldMask =
                    tf.withName("gold_mask")
                            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
            loss =
                    tf.withName("distillation_loss")
                            .identity(
                                    distillationLoss(
                                            tf,
                                            head.logits,
                                            softTargets,
                                            head.labels,
                                            goldMask,
                                            labels.size(),
                                            o.distillation().temperature(),
                                            o.distillation().goldWeight()));
        }
        if (o.distillation() != null) {
            // two means over different rows (all rows, the gold rows): not one per-row mean a
            // tower's share of the batch could weigh, so distillation trains on one device
            return new Model(
                    loss, parameters, context.dropoutControl(), headParameters, null, false);
        }
        // A class-weighted mean: towers weigh their loss by their summed example weights.
        return new Model(
                head.loss,
                parameters,
                context.dropoutControl(),
                headParameters,
                head.lossWeight,
                true);
    }

    /**
     * {@code T² · mean(CE(soft, softmax(logits / T))) + goldWeight · mean over gold rows of
     * CE(onehot(label), softmax(logits))}; a row whose {@code goldMask} is 0 adds only the first
     * term (its label is ignored, any valid id).
     */
    static Operand<TFloat32> distillationLoss(
            Ops tf,
            Operand<TFloat32> logits,
            Operand<TFloat32> soft,
            Operand<TInt32> labels,
            Operand<TFloat32> goldMask,
            int classes,
            double temperature,
            double goldWeight) {
        Operand<TFloat32> scaled = tf.math.div(logits, tf.constant((float) temperature));
        Operand<TFloat32> softCe = tf.nn.softmaxCrossEntropyWithLogits(scaled, soft).loss();
        Operand<TFloat32> distill =
                tf.math.mul(
                        tf.constant((float) (temperature * temperature)),
                        tf.math.mean(softCe, tf.constant(0)));
        Operand<TFloat32> oneHot =
                tf.oneHot(labels, tf.constant(classes), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> goldCe = tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss();
        Operand<TFloat32> gold =
                tf.math.div(
                        tf.reduceSum(tf.math.mul(goldCe, goldMask), tf.constant(0)),
                        tf.math.maximum(tf.reduceSum(goldMask, tf.constant(0)), tf.constant(1f)));
        return tf.math.add(distill, tf.math.mul(tf.constant((float) goldWeight), gold));
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
        train.stream().filter(i -> i.label() >= 0).forEach(i -> counts[i.label()]++);
        for (int c = 0; c < classes; c++) {
            // "balanced": n / (classes · count), as scikit-learn defines it
            w[c] = counts[c] == 0 ? 0f : (float) train.size() / (classes * counts[c]);
        }
        return w;
    }

    @Override
    public Feed feed(List<Item> batch) {
        InputTensors inputs = InputTensors.of(pad(batch));
        // a text without a label (distillation) feeds class 0 with a gold mask of 0
        TInt32 y = TInt32.vectorOf(batch.stream().mapToInt(i -> Math.max(0, i.label())).toArray());
        long tokens = batch.stream().mapToLong(i -> i.encoded().length()).sum();
        if (o.distillation() == null) {
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
        int classes = labels.size();
        float[] soft = new float[batch.size() * classes];
        float[] mask = new float[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).soft(), 0, soft, i * classes, classes);
            mask[i] = batch.get(i).label() >= 0 ? 1f : 0f;
        }
        TFloat32 softTensor =
                TFloat32.tensorOf(
                        Shape.of(batch.size(), classes),
                        org.tensorflow.ndarray.buffer.DataBuffers.of(soft));
        TFloat32 maskTensor = TFloat32.vectorOf(mask);
        return new Feed(
                batch.size(),
                tokens,
                runner ->
                        inputs.feed(runner, backbone.inputs())
                                .feed(head.labels, y)
                                .feed(head.classWeights, classWeights)
                                .feed(softTargets, softTensor)
                                .feed(goldMask, maskTensor),
                inputs,
                y,
                softTensor,
                maskTensor);
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
    public List<String> classNames() {
        return labels.labels();
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
                + (o.distillation() == null
                        ? "-"
                        : o.distillation().temperature() + ":" + o.distillation().goldWeight())
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
