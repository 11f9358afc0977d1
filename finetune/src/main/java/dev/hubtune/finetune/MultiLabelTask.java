package dev.hubtune.finetune;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.heads.MultiLabelClassificationHead;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.ParameterStore;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.Example;
import dev.hubtune.tokenizers.data.LabelVocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Multi-label classification (any number of labels per text) on any encoder family: a label column
 * holding a delimited list (or a JSON array), the family's classification head with one sigmoid per
 * label and binary cross-entropy, a threshold per label, micro/macro-F1 and subset accuracy, and
 * export as transformers' {@code *ForSequenceClassification} with {@code problem_type:
 * multi_label_classification}.
 */
final class MultiLabelTask implements TrainingTask<MultiLabelTask.Item, MultiLabelMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(MultiLabelTask.class);
    private static final int EVAL_BATCH = 64;

    /** An encoded text and its 0/1 target per label. */
    record Item(Encoded encoded, float[] targets) {}

    /**
     * What only multi-label classification needs.
     *
     * @param textColumn the text column
     * @param pairColumn the second text of pairs, or null
     * @param labelColumn the column of label lists
     * @param delimiter what separates labels in the column
     * @param maxLength tokens per sequence
     * @param threshold the default probability above which a label applies
     * @param thresholds per-label thresholds that differ from the default
     * @param freezeEncoder train only the head
     */
    record Options(
            String textColumn,
            String pairColumn,
            String labelColumn,
            String delimiter,
            int maxLength,
            double threshold,
            Map<String, Double> thresholds,
            boolean freezeEncoder) {}

    private final TrainingSettings s;
    private final Options o;
    private final TextData data;
    private final LabelVocabulary labels;
    private final List<Item> train;
    private final List<Item> validation;
    private final double[] thresholds;
    private Backbone backbone;
    private MultiLabelClassificationHead head;
    private Set<String> headParameters;

    private MultiLabelTask(
            TrainingSettings s,
            Options o,
            TextData data,
            LabelVocabulary labels,
            List<Item> train,
            List<Item> validation,
            double[] thresholds) {
        this.s = s;
        this.o = o;
        this.data = data;
        this.labels = labels;
        this.train = train;
        this.validation = validation;
        this.thresholds = thresholds;
    }

    static MultiLabelTask prepare(TrainingSettings s, Options o)
            throws FinetuneException, ModelException, TokenizerException {
        TextData data =
                TextData.read(
                        s,
                        ModelTask.SEQUENCE_CLASSIFICATION,
                        o.maxLength(),
                        o.textColumn(),
                        o.pairColumn(),
                        o.labelColumn());
        try {
            Set<String> seen = new TreeSet<>();
            for (Example e : data.train()) {
                seen.addAll(split(e, o));
            }
            if (seen.size() < 2) {
                throw new FinetuneException(
                        "the training data names "
                                + seen.size()
                                + " label(s) "
                                + seen
                                + " in column '"
                                + o.labelColumn()
                                + "'; multi-label classification needs at least two (labels are"
                                + " separated by '"
                                + o.delimiter()
                                + "')");
            }
            LabelVocabulary labels = LabelVocabulary.of(seen);
            double[] thresholds = new double[labels.size()];
            for (int k = 0; k < thresholds.length; k++) {
                thresholds[k] = o.thresholds().getOrDefault(labels.label(k), o.threshold());
            }
            for (String named : o.thresholds().keySet()) {
                if (!seen.contains(named)) {
                    throw new FinetuneException(
                            "a threshold is given for label '"
                                    + named
                                    + "', which the training data never uses (labels: "
                                    + labels.labels()
                                    + ")");
                }
            }
            List<Item> train = items(data, data.train(), labels, o);
            List<Item> validation =
                    HeldOut.onValidation(s, () -> items(data, data.validation(), labels, o));
            LOG.info(
                    "{} training and {} validation examples, {} labels {}",
                    train.size(),
                    validation.size(),
                    labels.size(),
                    labels.labels());
            return new MultiLabelTask(s, o, data, labels, train, validation, thresholds);
        } catch (FinetuneException | TokenizerException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    private static Set<String> split(Example e, Options o) {
        Set<String> out = new LinkedHashSet<>();
        for (String l : e.label().orElse("").split(java.util.regex.Pattern.quote(o.delimiter()))) {
            if (!l.isBlank()) {
                out.add(l.trim());
            }
        }
        return out;
    }

    private static List<Item> items(
            TextData data, List<Example> examples, LabelVocabulary labels, Options o)
            throws TokenizerException {
        List<Item> out = new ArrayList<>(examples.size());
        for (Example e : examples) {
            float[] y = new float[labels.size()];
            for (String l : split(e, o)) {
                y[labels.id(l, e.line())] = 1f;
            }
            out.add(new Item(data.encode(e), y));
        }
        return out;
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
        backbone = data.model().family().build(context, data.model().config());
        ParameterStore parameters = context.parameters();
        Set<String> encoder = new TreeSet<>(parameters.parameters().keySet());
        head = MultiLabelClassificationHead.build(backbone, labels.size(), Pooling.POOLER);
        headParameters = new TreeSet<>(parameters.parameters().keySet());
        headParameters.removeAll(encoder);
        if (o.freezeEncoder()) {
            parameters.freeze(encoder::contains);
        }
        return new Model(head.loss, parameters, context.dropoutControl(), headParameters);
    }

    @Override
    public Map<String, WeightTensor> initialWeights() throws FinetuneException {
        return HeadWeights.initial(
                backbone.context().parameters(),
                data.model().weights(),
                headParameters,
                s.seed(),
                s.modelDir());
    }

    private TFloat32 targets(List<Item> batch) {
        int n = labels.size();
        float[] y = new float[batch.size() * n];
        for (int b = 0; b < batch.size(); b++) {
            System.arraycopy(batch.get(b).targets(), 0, y, b * n, n);
        }
        return TFloat32.tensorOf(Shape.of(batch.size(), n), DataBuffers.of(y));
    }

    @Override
    public Feed feed(List<Item> batch) {
        InputTensors inputs =
                InputTensors.of(data.tokenizer().pad(batch.stream().map(Item::encoded).toList()));
        TFloat32 y = targets(batch);
        long tokens = batch.stream().mapToLong(i -> i.encoded().length()).sum();
        return new Feed(
                batch.size(),
                tokens,
                runner -> inputs.feed(runner, backbone.inputs()).feed(head.labels, y),
                inputs,
                y);
    }

    @Override
    public MultiLabelMetrics evaluate(Session session) {
        int n = labels.size();
        boolean[][] predicted = new boolean[validation.size()][n];
        boolean[][] gold = new boolean[validation.size()][n];
        double lossSum = 0;
        for (int start = 0; start < validation.size(); start += EVAL_BATCH) {
            List<Item> chunk =
                    validation.subList(start, Math.min(validation.size(), start + EVAL_BATCH));
            try (InputTensors inputs =
                            InputTensors.of(
                                    data.tokenizer()
                                            .pad(chunk.stream().map(Item::encoded).toList()));
                    TFloat32 y = targets(chunk);
                    Result r =
                            inputs.feed(session.runner(), backbone.inputs())
                                    .feed(head.labels, y)
                                    .fetch(head.probabilities)
                                    .fetch(head.loss)
                                    .run()) {
                float[] p = Tensors.floats((TFloat32) r.get(0));
                for (int i = 0; i < chunk.size(); i++) {
                    for (int k = 0; k < n; k++) {
                        predicted[start + i][k] = p[i * n + k] > thresholds[k];
                        gold[start + i][k] = chunk.get(i).targets()[k] > 0.5f;
                    }
                }
                lossSum += ((TFloat32) r.get(1)).getFloat() * chunk.size();
            }
        }
        return MultiLabelMetrics.of(
                predicted, gold, labels.labels(), lossSum / Math.max(1, validation.size()));
    }

    @Override
    public Class<MultiLabelMetrics> metricsType() {
        return MultiLabelMetrics.class;
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
            h = 31 * h + java.util.Arrays.hashCode(i.targets());
        }
        return "multi-label/"
                + labels.labels()
                + "/"
                + o.maxLength()
                + "/"
                + o.freezeEncoder()
                + "/"
                + train.size()
                + "/"
                + Long.toHexString(h);
    }

    @Override
    public Path export(Map<String, WeightTensor> weights, Path dir) throws ModelException {
        List<Double> t = new ArrayList<>();
        for (double x : thresholds) {
            t.add(x);
        }
        ExportMetadata meta =
                ExportMetadata.sequenceClassifier(labels.labels(), Pooling.POOLER)
                        .withData(
                                new ExportMetadata.DataColumns(
                                        o.textColumn(),
                                        o.pairColumn(),
                                        o.labelColumn(),
                                        data.tokenizer().maxLength()))
                        .withOutputs(
                                new ExportMetadata.Outputs(
                                        ExportMetadata.ProblemType.MULTI_LABEL_CLASSIFICATION, t));
        return HfExport.write(
                data.model().family(),
                data.model().config(),
                weights,
                meta,
                data.model().dir(),
                dir);
    }

    @Override
    public void close() {
        data.close();
    }
}
