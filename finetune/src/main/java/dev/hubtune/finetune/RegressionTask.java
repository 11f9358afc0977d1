package dev.hubtune.finetune;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.heads.RegressionHead;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.ParameterStore;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.Example;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/**
 * Regression (a score per text or text pair) on any encoder family: a numeric label column,
 * optionally normalised to zero mean and unit variance (then the model learns the normalised value
 * and the export folds the normalisation back into its last layer), the family's classification
 * head with one output and mean squared error, RMSE and Pearson/Spearman correlations, and export
 * as transformers' {@code *ForSequenceClassification} with {@code num_labels: 1} and {@code
 * problem_type: regression}.
 */
final class RegressionTask implements TrainingTask<RegressionTask.Item, RegressionMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(RegressionTask.class);
    private static final int EVAL_BATCH = 64;

    /** An encoded text and its target, as the model learns it (normalised when asked). */
    record Item(Encoded encoded, float target) {}

    /**
     * What only regression needs.
     *
     * @param textColumn the text column
     * @param pairColumn the second text of pairs, or null
     * @param labelColumn the numeric column
     * @param maxLength tokens per sequence
     * @param normalize learn {@code (y - mean) / std} of the training targets
     * @param freezeEncoder train only the head
     */
    record Options(
            String textColumn,
            String pairColumn,
            String labelColumn,
            int maxLength,
            boolean normalize,
            boolean freezeEncoder) {}

    private final TrainingSettings s;
    private final Options o;
    private final TextData data;
    private final List<Item> train;
    private final List<Item> validation;
    private final double mean;
    private final double scale;
    private Backbone backbone;
    private RegressionHead head;
    private Set<String> headParameters;

    private RegressionTask(
            TrainingSettings s,
            Options o,
            TextData data,
            List<Item> train,
            List<Item> validation,
            double mean,
            double scale) {
        this.s = s;
        this.o = o;
        this.data = data;
        this.train = train;
        this.validation = validation;
        this.mean = mean;
        this.scale = scale;
    }

    static RegressionTask prepare(TrainingSettings s, Options o)
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
            double[] y = values(data.train(), o, s.trainFile());
            double mean = 0;
            double scale = 1;
            if (o.normalize()) {
                double sum = 0;
                for (double v : y) {
                    sum += v;
                }
                mean = sum / y.length;
                double ss = 0;
                for (double v : y) {
                    ss += (v - mean) * (v - mean);
                }
                scale = Math.sqrt(ss / y.length);
                if (!(scale > 0)) {
                    throw new FinetuneException(
                            "every training target is "
                                    + mean
                                    + "; there is nothing to learn (and nothing to normalise by)");
                }
                LOG.info("targets normalised: (y - {}) / {}", mean, scale);
            }
            List<Item> train = items(data, data.train(), y, mean, scale);
            List<Item> validation =
                    items(
                            data,
                            data.validation(),
                            values(
                                    data.validation(),
                                    o,
                                    s.validationFile() != null
                                            ? s.validationFile()
                                            : s.trainFile()),
                            mean,
                            scale);
            LOG.info("{} training and {} validation examples", train.size(), validation.size());
            return new RegressionTask(s, o, data, train, validation, mean, scale);
        } catch (FinetuneException | TokenizerException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    private static double[] values(List<Example> examples, Options o, Path file)
            throws FinetuneException {
        double[] y = new double[examples.size()];
        for (int i = 0; i < y.length; i++) {
            Example e = examples.get(i);
            String v = e.label().orElse("");
            try {
                y[i] = Double.parseDouble(v);
            } catch (NumberFormatException bad) {
                y[i] = Double.NaN;
            }
            if (!Double.isFinite(y[i])) {
                throw new FinetuneException(
                        file
                                + ": the record at line "
                                + e.line()
                                + " has '"
                                + v
                                + "' in column '"
                                + o.labelColumn()
                                + "'; regression needs a number there");
            }
        }
        return y;
    }

    private static List<Item> items(
            TextData data, List<Example> examples, double[] y, double mean, double scale)
            throws TokenizerException {
        List<Item> out = new ArrayList<>(examples.size());
        for (int i = 0; i < y.length; i++) {
            out.add(new Item(data.encode(examples.get(i)), (float) ((y[i] - mean) / scale)));
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
        head = RegressionHead.build(backbone, Pooling.POOLER);
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

    private static TFloat32 targets(List<Item> batch) {
        float[] y = new float[batch.size()];
        for (int b = 0; b < y.length; b++) {
            y[b] = batch.get(b).target();
        }
        return TFloat32.vectorOf(y);
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
                runner -> inputs.feed(runner, backbone.inputs()).feed(head.targets, y),
                inputs,
                y);
    }

    @Override
    public RegressionMetrics evaluate(Session session) {
        double[] predicted = new double[validation.size()];
        double[] gold = new double[validation.size()];
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
                                    .feed(head.targets, y)
                                    .fetch(head.predictions)
                                    .fetch(head.loss)
                                    .run()) {
                float[] p = Tensors.floats((TFloat32) r.get(0));
                for (int i = 0; i < chunk.size(); i++) {
                    // metrics on the label's own scale
                    predicted[start + i] = p[i] * scale + mean;
                    gold[start + i] = chunk.get(i).target() * scale + mean;
                }
                lossSum += ((TFloat32) r.get(1)).getFloat() * chunk.size();
            }
        }
        return RegressionMetrics.of(predicted, gold, lossSum / Math.max(1, validation.size()));
    }

    @Override
    public Class<RegressionMetrics> metricsType() {
        return RegressionMetrics.class;
    }

    @Override
    public String fingerprint() {
        long h = 1125899906842597L;
        for (Item i : train) {
            for (long id : i.encoded().ids()) {
                h = 31 * h + id;
            }
            h = 31 * h + Float.floatToIntBits(i.target());
        }
        return "regression/"
                + o.maxLength()
                + "/"
                + o.normalize()
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
                ExportMetadata.sequenceClassifier(List.of(o.labelColumn()), Pooling.POOLER)
                        .withData(
                                new ExportMetadata.DataColumns(
                                        o.textColumn(),
                                        o.pairColumn(),
                                        o.labelColumn(),
                                        data.tokenizer().maxLength()))
                        .withOutputs(
                                new ExportMetadata.Outputs(
                                        ExportMetadata.ProblemType.REGRESSION, List.of()));
        return HfExport.write(
                data.model().family(),
                data.model().config(),
                denormalized(weights, head.projection(), mean, scale),
                meta,
                data.model().dir(),
                dir);
    }

    /**
     * {@code weights} with the target normalisation folded into the final projection: transformers
     * reads a regression's logit as the prediction, with nothing to undo, so the export must
     * predict {@code y} itself. With one output, {@code (w·x + b) * scale + mean = (scale w)·x +
     * (scale b + mean)}, whatever the kernel's layout.
     */
    static Map<String, WeightTensor> denormalized(
            Map<String, WeightTensor> weights, String projection, double mean, double scale) {
        if (mean == 0 && scale == 1) {
            return weights;
        }
        Map<String, WeightTensor> out = new java.util.LinkedHashMap<>(weights);
        WeightTensor w = weights.get(projection + ".weight");
        WeightTensor b = weights.get(projection + ".bias");
        if (w == null || b == null || b.data().length != 1) {
            throw new IllegalStateException(
                    "no one-output projection " + projection + " among " + weights.keySet());
        }
        float[] kernel = w.data().clone();
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = (float) (kernel[i] * scale);
        }
        out.put(projection + ".weight", new WeightTensor(w.shape(), kernel));
        out.put(
                projection + ".bias",
                new WeightTensor(b.shape(), new float[] {(float) (b.data()[0] * scale + mean)}));
        return out;
    }

    @Override
    public void close() {
        data.close();
    }
}
