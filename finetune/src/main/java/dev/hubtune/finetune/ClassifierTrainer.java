package dev.hubtune.finetune;

import com.google.gson.Gson;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertExport;
import dev.hubtune.models.bert.BertGraph;
import dev.hubtune.models.bert.BertInit;
import dev.hubtune.models.bert.BertInputs;
import dev.hubtune.models.bert.ClassificationHead;
import dev.hubtune.models.bert.PretrainedBert;
import dev.hubtune.models.runtime.SessionOptions;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.DatasetReader;
import dev.hubtune.tokenizers.data.Example;
import dev.hubtune.tokenizers.data.LabelVocabulary;
import dev.hubtune.tokenizers.data.Split;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Fine-tunes a BERT-family model for sequence classification (single texts or pairs) in TensorFlow
 * graph mode: the training graph (dropout on) with a classification head, AdamW with decoupled
 * weight decay, a warm-up schedule fed per step, global-norm clipping, seeded shuffling and
 * length-bucketed batches, evaluation with accuracy/macro-F1/per-class metrics, early stopping,
 * metrics as JSONL, and export of the best weights in HF format with the labels.
 *
 * <pre>{@code
 * TrainingReport report = ClassifierTrainer.builder()
 *         .setModelDir(pretrained).setTrainFile(csv).setTextColumn("text").setLabelColumn("label")
 *         .setOutputDir(out).optEpochs(3).build().train();
 * }</pre>
 */
public final class ClassifierTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifierTrainer.class);
    private static final int BUCKET_BATCHES = 50;

    private record Item(Encoded encoded, int label) {}

    private final Builder b;

    private ClassifierTrainer(Builder b) {
        this.b = b;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the whole fine-tuning and returns what happened; the model is exported to {@code
     * <output>/model}.
     */
    public TrainingReport train() throws FinetuneException {
        try {
            return run();
        } catch (ModelException | TokenizerException | IOException e) {
            throw new FinetuneException(e.getMessage(), e);
        }
    }

    private TrainingReport run()
            throws FinetuneException, ModelException, TokenizerException, IOException {
        prepareOutput();
        BertConfig config = PretrainedBert.config(b.modelDir);
        Map<String, WeightTensor> pretrained = PretrainedBert.weights(b.modelDir);
        try (TextTokenizer tokenizer =
                TextTokenizer.builder().setModelDir(b.modelDir).optMaxLength(b.maxLength).build()) {
            List<Example> trainExamples = new ArrayList<>();
            List<Example> validationExamples = new ArrayList<>();
            readData(trainExamples, validationExamples);
            TreeSet<String> seen = new TreeSet<>();
            trainExamples.forEach(e -> seen.add(label(e)));
            LabelVocabulary labels = LabelVocabulary.of(seen);
            if (labels.size() < 2) {
                throw new FinetuneException(
                        "the training data has a single class ("
                                + labels.labels()
                                + "); a classifier needs"
                                + " examples of at least two labels");
            }
            List<Item> train = encode(tokenizer, trainExamples, labels);
            List<Item> validation = encode(tokenizer, validationExamples, labels);
            LOG.info(
                    "{} training and {} validation examples, {} classes {}",
                    train.size(),
                    validation.size(),
                    labels.size(),
                    labels.labels());
            return fit(config, pretrained, tokenizer, labels, train, validation);
        }
    }

    private void prepareOutput() throws FinetuneException, IOException {
        boolean checkpointed = new Checkpoints(b.outputDir, b.keepCheckpoints).any();
        if (checkpointed && !b.resume && !b.overwrite) {
            throw new FinetuneException(
                    b.outputDir
                            + " holds checkpoints of an earlier run; pass --resume to continue it or"
                            + " --overwrite to start over");
        }
        if (Files.exists(b.outputDir.resolve("model")) && !b.overwrite && !b.resume) {
            throw new FinetuneException(
                    b.outputDir
                            + " already holds a trained model; pass --overwrite to replace it or"
                            + " choose another --output");
        }
        Files.createDirectories(b.outputDir);
        if (b.overwrite) {
            deleteTree(b.outputDir.resolve("model"));
            deleteTree(b.outputDir.resolve("checkpoints"));
            Files.deleteIfExists(b.outputDir.resolve("metrics.jsonl"));
        } else if (b.resume) {
            deleteTree(b.outputDir.resolve("model")); // re-exported at the end of the resumed run
        }
    }

    private void readData(List<Example> train, List<Example> validation)
            throws TokenizerException, FinetuneException {
        for (Example e : read(b.trainFile)) {
            if (b.validationFile == null
                    && Split.isValidation(b.seed, e.line(), b.validationFraction)) {
                validation.add(e);
            } else {
                train.add(e);
            }
        }
        if (b.validationFile != null) {
            validation.addAll(read(b.validationFile));
        }
        if (train.isEmpty()) {
            throw new FinetuneException(
                    b.trainFile
                            + " gives no training examples; check the file and the column names");
        }
        if (validation.isEmpty()) {
            throw new FinetuneException(
                    "no validation examples: give --validation FILE or a larger training file");
        }
    }

    private List<Example> read(Path file) throws TokenizerException {
        DatasetReader.Builder rb =
                DatasetReader.builder()
                        .setFile(file)
                        .setTextColumn(b.textColumn)
                        .optLabelColumn(b.labelColumn);
        if (b.pairColumn != null) {
            rb.optTextPairColumn(b.pairColumn);
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

    private TrainingReport fit(
            BertConfig config,
            Map<String, WeightTensor> pretrained,
            TextTokenizer tokenizer,
            LabelVocabulary labels,
            List<Item> train,
            List<Item> validation)
            throws FinetuneException, ModelException, IOException {
        TensorFlowRuntime.load();
        int classes = labels.size();
        int batchesPerEpoch = (train.size() + b.batchSize - 1) / b.batchSize;
        int stepsPerEpoch = (batchesPerEpoch + b.accumulation - 1) / b.accumulation;
        int totalSteps = b.maxSteps > 0 ? b.maxSteps : b.epochs * stepsPerEpoch;
        LearningRateSchedule schedule =
                new LearningRateSchedule(
                        b.schedule,
                        b.learningRate,
                        (int) Math.round(b.warmupRatio * totalSteps),
                        totalSteps);
        float[] classWeights = classWeights(train, classes);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            BertGraph bert = BertGraph.buildForTraining(tf, config);
            ClassificationHead head = ClassificationHead.build(bert, classes);
            Map<String, Variable<TFloat32>> model = new LinkedHashMap<>(bert.variables());
            Map<String, Variable<TFloat32>> trainable = new LinkedHashMap<>(model);
            if (b.freezeEncoder) {
                trainable.keySet().removeIf(n -> !n.startsWith("classifier."));
            }
            AdamW adam =
                    new AdamW(
                            graph,
                            tf,
                            head.loss,
                            trainable,
                            0.9,
                            0.999,
                            1e-8,
                            b.weightDecay,
                            b.maxGradNorm,
                            b.accumulation);
            SessionOptions options = new SessionOptions(b.threads, b.mixedPrecision, b.xla);
            try (Session session = new Session(graph, options.toConfig())) {
                session.initialize(); // optimizer slots start at zero
                Map<String, WeightTensor> initial =
                        initialWeights(model, pretrained, config, classes);
                Variables.assign(tf, session, model, initial);
                return loop(
                        session,
                        tf,
                        bert,
                        head,
                        adam,
                        schedule,
                        model,
                        labels,
                        train,
                        validation,
                        classWeights,
                        config,
                        tokenizer);
            }
        }
    }

    private Map<String, WeightTensor> initialWeights(
            Map<String, Variable<TFloat32>> model,
            Map<String, WeightTensor> pretrained,
            BertConfig config,
            int classes)
            throws FinetuneException {
        Map<String, WeightTensor> initial = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        Random init = new Random(b.seed);
        for (String name : model.keySet()) {
            WeightTensor w = pretrained.get(name);
            boolean headParam = name.startsWith("classifier.");
            if (w != null && !(headParam && w.shape()[w.shape().length - 1] != classes)) {
                initial.put(name, w);
            } else if (headParam) {
                fresh.add(name);
                initial.put(
                        name,
                        name.endsWith(".bias")
                                ? new WeightTensor(new long[] {classes}, new float[classes])
                                : BertInit.normal(init, config.hiddenSize(), classes));
            } else {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new FinetuneException(b.modelDir + " lacks weights the model needs: " + missing);
        }
        Set<String> unused = new TreeSet<>(pretrained.keySet());
        unused.removeAll(model.keySet());
        if (!fresh.isEmpty()) {
            LOG.info("Newly initialised (train them before use): {}", fresh);
        }
        if (!unused.isEmpty()) {
            LOG.info("Pretrained weights not used: {}", unused);
        }
        return initial;
    }

    private float[] classWeights(List<Item> train, int classes) {
        float[] w = new float[classes];
        java.util.Arrays.fill(w, 1f);
        if (!b.balanceClasses) {
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

    private TrainingReport loop(
            Session session,
            Ops tf,
            BertGraph bert,
            ClassificationHead head,
            AdamW adam,
            LearningRateSchedule schedule,
            Map<String, Variable<TFloat32>> model,
            LabelVocabulary labels,
            List<Item> train,
            List<Item> validation,
            float[] classWeights,
            BertConfig config,
            TextTokenizer tokenizer)
            throws FinetuneException, ModelException, IOException {
        Map<String, Variable<TFloat32>> all = new LinkedHashMap<>(model);
        all.putAll(adam.slots);
        Checkpoints checkpoints = new Checkpoints(b.outputDir, b.keepCheckpoints);
        String fingerprint = fingerprint(train, validation, labels, schedule);
        List<TrainingReport.Evaluation> evaluations = new ArrayList<>();
        int bestIndex = -1;
        int step = 0;
        int firstEpoch = 1;
        int skipBatches = 0;
        int sinceBest = 0;
        int metricsLines = 0;
        int resumedFrom = 0;
        Path metricsFile = b.outputDir.resolve("metrics.jsonl");
        if (b.resume && checkpoints.latest().isPresent()) {
            Path latest = checkpoints.latest().get();
            Checkpoints.State state = Checkpoints.readState(latest);
            if (!state.fingerprint().equals(fingerprint)) {
                throw new FinetuneException(
                        b.outputDir
                                + " holds a run started with other data or settings; resume it with"
                                + " the same command, or use --overwrite to start over");
            }
            Variables.assign(tf, session, all, Checkpoints.readVariables(latest));
            step = state.step();
            resumedFrom = step;
            firstEpoch = state.epoch();
            skipBatches = state.batchInEpoch();
            sinceBest = state.sinceBest();
            evaluations.addAll(state.evaluations());
            bestIndex = state.best();
            metricsLines = state.metricsLines();
            truncateLines(metricsFile, metricsLines);
            LOG.info(
                    "resuming {} at step {} (epoch {}, batch {})",
                    b.outputDir,
                    step,
                    firstEpoch,
                    skipBatches);
        }
        double lossSum = 0;
        int lossCount = 0;
        long start = System.nanoTime();
        long sequences = 0;
        int stepsThisRun = 0;
        int microInStep = 0;
        boolean stop = false;
        for (int epoch = firstEpoch; !stop && step < schedule.totalSteps(); epoch++) {
            List<List<Item>> batches = epochBatches(train, epoch);
            for (int bi = epoch == firstEpoch ? skipBatches : 0; bi < batches.size(); bi++) {
                List<Item> batch = batches.get(bi);
                boolean epochEnd = bi == batches.size() - 1;
                // With gradient accumulation, k micro-batches make one optimizer step (the last
                // step of an epoch may use fewer).
                microInStep++;
                boolean applyNow = microInStep >= b.accumulation || epochEnd;
                int nextStep = step + 1;
                double lr = schedule.at(nextStep);
                double loss =
                        trainStep(
                                session,
                                bert,
                                head,
                                adam,
                                tokenizer,
                                batch,
                                classWeights,
                                lr,
                                nextStep,
                                epoch * 1_000_000L + bi,
                                applyNow);
                if (!Double.isFinite(loss)) {
                    throw new FinetuneException(
                            "the loss became "
                                    + loss
                                    + " at step "
                                    + step
                                    + " (learning rate "
                                    + lr
                                    + "); the last checkpoint and the best model so far are kept. Lower --learning-rate (e.g. by"
                                    + " 10x) or keep gradient clipping on.");
                }
                lossSum += loss;
                lossCount++;
                sequences += batch.size();
                if (!applyNow) {
                    continue;
                }
                microInStep = 0;
                step = nextStep;
                stepsThisRun++;
                if (b.listener != null) {
                    b.listener.step(
                            step,
                            schedule.totalSteps(),
                            loss,
                            lr,
                            (System.nanoTime() - start) / 1e9);
                }
                boolean last = step >= schedule.totalSteps();
                boolean evalNow =
                        (b.evalEverySteps > 0 && step % b.evalEverySteps == 0) || epochEnd || last;
                if (evalNow) {
                    ClassificationMetrics m =
                            evaluate(session, bert, head, validation, labels.size(), tokenizer);
                    TrainingReport.Evaluation ev =
                            new TrainingReport.Evaluation(
                                    step, epoch, lossSum / Math.max(1, lossCount), m);
                    lossSum = 0;
                    lossCount = 0;
                    evaluations.add(ev);
                    appendMetrics(metricsFile, ev, schedule.at(step));
                    metricsLines++;
                    // The CLI's listener prints evaluations itself; library users get them in the
                    // log.
                    LOG.atLevel(b.listener == null ? Level.INFO : Level.DEBUG)
                            .log(
                                    "step {} epoch {}: train loss {}, validation loss {}, accuracy {}, macro-F1 {}",
                                    step,
                                    epoch,
                                    String.format("%.4f", ev.trainLoss()),
                                    String.format("%.4f", m.loss()),
                                    String.format("%.4f", m.accuracy()),
                                    String.format("%.4f", m.macroF1()));
                    if (b.listener != null) {
                        b.listener.evaluated(ev);
                    }
                    ReportImage.write(b.outputDir.resolve("report.png"), evaluations, schedule);
                    if (bestIndex < 0
                            || m.value(b.metric)
                                    > evaluations.get(bestIndex).metrics().value(b.metric)) {
                        bestIndex = evaluations.size() - 1;
                        sinceBest = 0;
                        checkpoints.saveBest(
                                Variables.read(session, model),
                                state(
                                        step,
                                        epoch,
                                        bi,
                                        batches.size(),
                                        fingerprint,
                                        metricsLines,
                                        sinceBest,
                                        evaluations,
                                        bestIndex));
                    } else if (b.patience > 0 && ++sinceBest >= b.patience) {
                        LOG.info(
                                "early stopping: {} did not improve for {} evaluations",
                                b.metric,
                                b.patience);
                        stop = true;
                    }
                }
                boolean checkpointNow =
                        evalNow
                                || (b.checkpointEverySteps > 0
                                        && step % b.checkpointEverySteps == 0);
                if (checkpointNow && !stop && !last) {
                    checkpoints.save(
                            state(
                                    step,
                                    epoch,
                                    bi,
                                    batches.size(),
                                    fingerprint,
                                    metricsLines,
                                    sinceBest,
                                    evaluations,
                                    bestIndex),
                            Variables.read(session, all));
                }
                if (stop || last) {
                    break;
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (bestIndex < 0) {
            throw new FinetuneException("no evaluation ran; nothing to export");
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        Map<String, String> id2label = new LinkedHashMap<>();
        Map<String, Integer> label2id = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.label(i));
            label2id.put(labels.label(i), i);
        }
        extra.put("architectures", List.of("BertForSequenceClassification"));
        extra.put("num_labels", labels.size());
        extra.put("id2label", id2label);
        extra.put("label2id", label2id);
        extra.put("hubtune_pooling", "mean");
        Path exported =
                BertExport.huggingFace(
                        config,
                        Checkpoints.readVariables(checkpoints.bestDir()),
                        extra,
                        b.modelDir,
                        b.outputDir.resolve("model"),
                        "text-classification");
        return new TrainingReport(
                evaluations,
                evaluations.get(bestIndex),
                step,
                seconds,
                stepsThisRun == 0 ? 0 : sequences / seconds,
                exported,
                labels.labels(),
                resumedFrom);
    }

    /**
     * The position after batch {@code bi} of {@code epoch}: the next batch, or the next epoch's
     * first.
     */
    private static Checkpoints.State state(
            int step,
            int epoch,
            int bi,
            int batchesInEpoch,
            String fingerprint,
            int metricsLines,
            int sinceBest,
            List<TrainingReport.Evaluation> evaluations,
            int best) {
        boolean epochDone = bi + 1 >= batchesInEpoch;
        return new Checkpoints.State(
                step,
                epochDone ? epoch + 1 : epoch,
                epochDone ? 0 : bi + 1,
                fingerprint,
                metricsLines,
                sinceBest,
                List.copyOf(evaluations),
                best);
    }

    /** Identifies the data and settings, so a resume never mixes two different runs. */
    private String fingerprint(
            List<Item> train,
            List<Item> validation,
            LabelVocabulary labels,
            LearningRateSchedule schedule) {
        StringBuilder sb = new StringBuilder();
        sb.append(train.size())
                .append('/')
                .append(validation.size())
                .append('/')
                .append(labels.labels())
                .append('/')
                .append(schedule)
                .append('/')
                .append(b.batchSize)
                .append('/')
                .append(b.seed)
                .append('/')
                .append(b.maxLength)
                .append('/')
                .append(b.dropout)
                .append('/')
                .append(b.weightDecay)
                .append('/')
                .append(b.maxGradNorm)
                .append("/acc")
                .append(b.accumulation);
        long h = 1125899906842597L;
        for (Item i : train) {
            for (long id : i.encoded().ids()) {
                h = 31 * h + id;
            }
            h = 31 * h + i.label();
        }
        return sb.append('/').append(Long.toHexString(h)).toString();
    }

    private static void truncateLines(Path file, int lines) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (all.size() > lines) {
            Files.write(file, all.subList(0, lines), StandardCharsets.UTF_8);
        }
    }

    /**
     * Seeded shuffle, then length buckets sorted within, batches in seeded order: little padding.
     */
    private List<List<Item>> epochBatches(List<Item> train, int epoch) {
        List<Item> order = new ArrayList<>(train);
        Random random = new Random(b.seed * 1_000_003L + epoch);
        Collections.shuffle(order, random);
        List<List<Item>> batches = new ArrayList<>();
        int bucket = BUCKET_BATCHES * b.batchSize;
        for (int start = 0; start < order.size(); start += bucket) {
            List<Item> chunk =
                    new ArrayList<>(order.subList(start, Math.min(order.size(), start + bucket)));
            chunk.sort(Comparator.comparingInt(i -> i.encoded().length()));
            for (int i = 0; i < chunk.size(); i += b.batchSize) {
                batches.add(chunk.subList(i, Math.min(chunk.size(), i + b.batchSize)));
            }
        }
        Collections.shuffle(batches, random);
        return batches;
    }

    private double trainStep(
            Session session,
            BertGraph bert,
            ClassificationHead head,
            AdamW adam,
            TextTokenizer tokenizer,
            List<Item> items,
            float[] classWeights,
            double lr,
            int step,
            long dropoutStream,
            boolean apply) {
        int[] y = items.stream().mapToInt(Item::label).toArray();
        try (BertInputs inputs = BertInputs.of(pad(tokenizer, items));
                TInt32 labels = TInt32.vectorOf(y);
                TFloat32 weights = TFloat32.vectorOf(classWeights);
                TFloat32 rate = TFloat32.scalarOf((float) b.dropout);
                TInt64 seed = TInt64.vectorOf(b.seed, dropoutStream);
                TFloat32 learningRate = TFloat32.scalarOf((float) lr);
                TFloat32 c1 = TFloat32.scalarOf(adam.correction1(step));
                TFloat32 c2 = TFloat32.scalarOf(adam.correction2(step));
                Result r =
                        inputs.feed(session.runner(), bert)
                                .feed(head.labels, labels)
                                .feed(head.classWeights, weights)
                                .feed(bert.dropout.rate, rate)
                                .feed(bert.dropout.seed, seed)
                                .feed(adam.learningRate, learningRate)
                                .feed(adam.correction1, c1)
                                .feed(adam.correction2, c2)
                                .fetch(head.loss)
                                .addTarget(adam.accumulate != null ? adam.accumulate : adam.step)
                                .run()) {
            if (adam.accumulate != null && apply) {
                // The update reads only the accumulators: no batch to feed.
                session.runner()
                        .feed(adam.learningRate, learningRate)
                        .feed(adam.correction1, c1)
                        .feed(adam.correction2, c2)
                        .addTarget(adam.step)
                        .run()
                        .close();
            }
            return ((TFloat32) r.get(0)).getFloat();
        }
    }

    private ClassificationMetrics evaluate(
            Session session,
            BertGraph bert,
            ClassificationHead head,
            List<Item> items,
            int classes,
            TextTokenizer tokenizer) {
        int[] predicted = new int[items.size()];
        int[] gold = new int[items.size()];
        double lossSum = 0;
        int evalBatch = 64;
        for (int start = 0; start < items.size(); start += evalBatch) {
            List<Item> chunk = items.subList(start, Math.min(items.size(), start + evalBatch));
            int[] y = chunk.stream().mapToInt(Item::label).toArray();
            try (BertInputs inputs = BertInputs.of(pad(tokenizer, chunk));
                    TInt32 labels = TInt32.vectorOf(y);
                    Result r =
                            inputs.feed(session.runner(), bert)
                                    .feed(head.labels, labels)
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
                predicted, gold, classes, lossSum / Math.max(1, items.size()));
    }

    private static Batch pad(TextTokenizer tokenizer, List<Item> items) {
        return tokenizer.pad(items.stream().map(Item::encoded).toList());
    }

    private static void appendMetrics(Path file, TrainingReport.Evaluation ev, double lr)
            throws IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", ev.step());
        row.put("epoch", ev.epoch());
        row.put("learning_rate", lr);
        row.put("train_loss", ev.trainLoss());
        row.put("eval_loss", ev.metrics().loss());
        row.put("accuracy", ev.metrics().accuracy());
        row.put("macro_f1", ev.metrics().macroF1());
        row.put("precision", ev.metrics().precision());
        row.put("recall", ev.metrics().recall());
        row.put("confusion", ev.metrics().confusion());
        Files.writeString(
                file,
                new Gson().toJson(row) + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Progress callbacks (the CLI draws a progress line from them). */
    public interface Listener {
        /** After each optimizer step. */
        default void step(
                int step,
                int totalSteps,
                double loss,
                double learningRate,
                double elapsedSeconds) {}

        /** After each evaluation. */
        default void evaluated(TrainingReport.Evaluation evaluation) {}
    }

    /** Builder of a {@link ClassifierTrainer}. */
    public static final class Builder {
        private Path modelDir;
        private Path trainFile;
        private Path validationFile;
        private double validationFraction = 0.2;
        private String textColumn;
        private String pairColumn;
        private String labelColumn;
        private Path outputDir;
        private int epochs = 3;
        private int maxSteps = -1;
        private double learningRate = 2e-5;
        private int batchSize = 16;
        private int maxLength = 128;
        private long seed = 42;
        private double warmupRatio = 0.1;
        private double weightDecay = 0.01;
        private double maxGradNorm = 1.0;
        private double dropout = 0.1;
        private LearningRateSchedule.Kind schedule = LearningRateSchedule.Kind.LINEAR;
        private int evalEverySteps;
        private String metric = "accuracy";
        private int patience;
        private int threads;
        private boolean overwrite;
        private boolean resume;
        private int accumulation = 1;
        private boolean mixedPrecision;
        private boolean xla;
        private int checkpointEverySteps;
        private int keepCheckpoints = 2;
        private boolean balanceClasses;
        private boolean freezeEncoder;
        private Listener listener;

        Builder() {}

        /** The pretrained model directory: config.json, weights, tokenizer (required). */
        public Builder setModelDir(Path dir) {
            this.modelDir = Objects.requireNonNull(dir);
            return this;
        }

        /** The training data, CSV/TSV/JSONL (required). */
        public Builder setTrainFile(Path file) {
            this.trainFile = Objects.requireNonNull(file);
            return this;
        }

        /** The text column (required). */
        public Builder setTextColumn(String column) {
            this.textColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The label column (required): strings or integers. */
        public Builder setLabelColumn(String column) {
            this.labelColumn = Objects.requireNonNull(column);
            return this;
        }

        /** Where metrics and the exported model go (required). */
        public Builder setOutputDir(Path dir) {
            this.outputDir = Objects.requireNonNull(dir);
            return this;
        }

        /** The second text of pair tasks. */
        public Builder optTextPairColumn(String column) {
            this.pairColumn = Objects.requireNonNull(column);
            return this;
        }

        /** A validation file (default: a seeded 20% split of the training file). */
        public Builder optValidationFile(Path file) {
            this.validationFile = Objects.requireNonNull(file);
            return this;
        }

        /** Share of the training file held out when there is no validation file (default 0.2). */
        public Builder optValidationFraction(double fraction) {
            if (fraction <= 0 || fraction >= 1) {
                throw new IllegalArgumentException(
                        "validation fraction must be in (0, 1), got " + fraction);
            }
            this.validationFraction = fraction;
            return this;
        }

        /** Epochs (default 3). */
        public Builder optEpochs(int epochs) {
            this.epochs = positive(epochs, "epochs");
            return this;
        }

        /** Stop after this many optimizer steps instead of whole epochs. */
        public Builder optMaxSteps(int steps) {
            this.maxSteps = positive(steps, "max steps");
            return this;
        }

        /** Peak learning rate (default 2e-5). */
        public Builder optLearningRate(double lr) {
            if (!(lr > 0 && lr < 1)) {
                throw new IllegalArgumentException("learning rate must be in (0, 1), got " + lr);
            }
            this.learningRate = lr;
            return this;
        }

        /** Sequences per step (default 16). */
        public Builder optBatchSize(int n) {
            this.batchSize = positive(n, "batch size");
            return this;
        }

        /** Tokens per sequence (default 128). */
        public Builder optMaxLength(int n) {
            this.maxLength = positive(n, "max length");
            return this;
        }

        /** Seed of shuffling, split, dropout and the head's initialisation (default 42). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Share of steps spent warming up (default 0.1). */
        public Builder optWarmupRatio(double ratio) {
            this.warmupRatio = ratio;
            return this;
        }

        /** Decoupled weight decay (default 0.01). */
        public Builder optWeightDecay(double wd) {
            this.weightDecay = wd;
            return this;
        }

        /** Global gradient-norm clip (default 1.0; 0 turns it off). */
        public Builder optMaxGradNorm(double norm) {
            this.maxGradNorm = norm;
            return this;
        }

        /** Dropout probability during training (default 0.1). */
        public Builder optDropout(double p) {
            this.dropout = p;
            return this;
        }

        /** Schedule after warm-up (default linear decay). */
        public Builder optSchedule(LearningRateSchedule.Kind kind) {
            this.schedule = Objects.requireNonNull(kind);
            return this;
        }

        /** Also evaluate every N steps (default: at each epoch end only). */
        public Builder optEvalEverySteps(int n) {
            this.evalEverySteps = n;
            return this;
        }

        /**
         * Metric choosing the best model and early stopping: accuracy (default), macro_f1, loss.
         */
        public Builder optMetric(String metric) {
            if (!ClassificationMetrics.names().contains(metric)) {
                throw new IllegalArgumentException(
                        "unknown metric '" + metric + "'; use " + ClassificationMetrics.names());
            }
            this.metric = metric;
            return this;
        }

        /** Stop after this many evaluations without improvement (default 0: never). */
        public Builder optPatience(int n) {
            this.patience = n;
            return this;
        }

        /**
         * TensorFlow intra-op threads (default: TensorFlow's choice; 1 for bitwise
         * reproducibility).
         */
        public Builder optThreads(int n) {
            this.threads = n;
            return this;
        }

        /** Automatic mixed precision (float16 compute where safe) on GPUs; no effect on CPUs. */
        public Builder optMixedPrecision(boolean on) {
            this.mixedPrecision = on;
            return this;
        }

        /** Compile the graph with XLA's JIT. */
        public Builder optXla(boolean on) {
            this.xla = on;
            return this;
        }

        /** Replace a model already in the output directory. */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /** Accumulate gradients over {@code k} micro-batches per optimizer step (default 1). */
        public Builder optGradientAccumulation(int k) {
            this.accumulation = positive(k, "gradient accumulation");
            return this;
        }

        /** Continue the run in the output directory from its last checkpoint. */
        public Builder optResume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /** Also checkpoint every N steps (default: at each evaluation). */
        public Builder optCheckpointEverySteps(int n) {
            this.checkpointEverySteps = n;
            return this;
        }

        /** How many step checkpoints to keep besides the best model (default 2). */
        public Builder optKeepCheckpoints(int n) {
            this.keepCheckpoints = Math.max(1, n);
            return this;
        }

        /** Weight the loss by inverse class frequency (for imbalanced data). */
        public Builder optBalanceClasses(boolean balance) {
            this.balanceClasses = balance;
            return this;
        }

        /** Train only the classification head. */
        public Builder optFreezeEncoder(boolean freeze) {
            this.freezeEncoder = freeze;
            return this;
        }

        /** Progress callbacks. */
        public Builder optListener(Listener listener) {
            this.listener = listener;
            return this;
        }

        /** Validates and builds. */
        public ClassifierTrainer build() {
            if (modelDir == null
                    || trainFile == null
                    || textColumn == null
                    || labelColumn == null
                    || outputDir == null) {
                throw new IllegalStateException(
                        "setModelDir, setTrainFile, setTextColumn, setLabelColumn and setOutputDir are required");
            }
            return new ClassifierTrainer(this);
        }

        private static int positive(int n, String what) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be positive, got " + n);
            }
            return n;
        }
    }
}
