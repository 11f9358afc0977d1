package dev.hubtune.finetune;

import com.google.gson.Gson;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Parameter;
import dev.hubtune.models.runtime.RuntimeInfo;
import dev.hubtune.models.runtime.SessionOptions;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.LengthBuckets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The training loop every task shares, in TensorFlow graph mode: AdamW with decoupled weight decay
 * and global-norm clipping, a learning-rate schedule fed per step, gradient accumulation, seeded
 * shuffling into length-bucketed batches whose tensors a background thread prepares while the
 * current step runs, evaluation with early stopping and the best model kept, atomic checkpoints
 * from which a killed run resumes exactly, metrics as JSONL, a report image, and export of the best
 * weights through the task.
 *
 * @param <E> the task's training example
 * @param <M> the task's metrics
 */
final class TrainingLoop<E, M extends EvaluationMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
    private static final int BUCKET_BATCHES = 50;

    private final TrainingSettings s;
    private final TrainingTask<E, M> task;

    TrainingLoop(TrainingSettings settings, TrainingTask<E, M> task) {
        this.s = settings;
        this.task = task;
    }

    /** Reads a task's data and model for the loop (a task's {@code prepare}). */
    @FunctionalInterface
    interface TaskPreparer<E, M extends EvaluationMetrics> {
        TrainingTask<E, M> prepare() throws FinetuneException, ModelException, TokenizerException;
    }

    /**
     * What every trainer's {@code train()} does: checks the output directory, prepares the task,
     * runs the loop on it and closes it; the modules' own exceptions become {@link
     * FinetuneException}s with their messages.
     */
    static <E, M extends EvaluationMetrics> TrainingReport<M> train(
            TrainingSettings s, TaskPreparer<E, M> preparer) throws FinetuneException {
        try {
            prepareOutput(s);
            try (TrainingTask<E, M> task = preparer.prepare()) {
                return new TrainingLoop<>(s, task).run();
            }
        } catch (ModelException | TokenizerException | IOException e) {
            throw new FinetuneException(e.getMessage(), e);
        }
    }

    /**
     * Checks the output directory before any work: an earlier run there is continued only with
     * resume and replaced only with overwrite. Nothing is deleted here: the earlier run's files are
     * set aside only once the new run's data and model have loaded, and come back if it fails.
     */
    static void prepareOutput(TrainingSettings s) throws FinetuneException, IOException {
        boolean checkpointed = new Checkpoints(s.outputDir(), s.keepCheckpoints()).any();
        if (checkpointed && !s.resume() && !s.overwrite()) {
            throw new FinetuneException(
                    s.outputDir()
                            + " holds checkpoints of an earlier run; pass --resume to continue it or"
                            + " --overwrite to start over");
        }
        if (Files.exists(s.outputDir().resolve("model")) && !s.overwrite() && !s.resume()) {
            throw new FinetuneException(
                    s.outputDir()
                            + " already holds a trained model; pass --overwrite to replace it or"
                            + " choose another --output");
        }
        Files.createDirectories(s.outputDir());
        // A process killed while exporting leaves its unfinished export behind: never a model.
        try (var entries = Files.newDirectoryStream(s.outputDir(), ".model-*")) {
            for (Path unfinished : entries) {
                Checkpoints.deleteTree(unfinished);
            }
        }
    }

    /** Trains, evaluates, checkpoints and exports; returns what happened. */
    TrainingReport<M> run() throws FinetuneException, ModelException, IOException {
        RuntimeInfo runtime = TensorFlowRuntime.load();
        List<DeviceSpec> towers = towerDevices(runtime);
        int batchesPerEpoch = (task.train().size() + s.batchSize() - 1) / s.batchSize();
        int stepsPerEpoch = (batchesPerEpoch + s.accumulation() - 1) / s.accumulation();
        int totalSteps = s.maxSteps() > 0 ? s.maxSteps() : s.epochs() * stepsPerEpoch;
        LearningRateSchedule schedule =
                new LearningRateSchedule(
                        s.schedule(),
                        s.learningRate(),
                        (int) Math.round(s.warmupRatio() * totalSteps),
                        totalSteps);
        try (Graph graph = new Graph()) {
            // On a cluster everything but the towers (variables, update, evaluation) is on task 0.
            Ops tf =
                    s.cluster() == null
                            ? Ops.create(graph)
                            : Ops.create(graph).withDevice(s.cluster().device(0));
            LoraTraining lora = LoraTraining.of(s);
            BuildContext context = BuildContext.training(tf);
            TrainingTask.Model model = task.build(lora == null ? context : lora.install(context));
            Map<String, Variable<TFloat32>> trainable;
            Predicate<String> decays;
            long[] counts;
            if (lora == null) {
                trainable = model.parameters().trainable();
                decays = model.parameters()::decays;
                counts = counts(model.parameters().parameters().values());
            } else {
                lora.built(model);
                trainable = lora.trainable();
                decays = lora::decays;
                counts = new long[] {lora.trainableCount(), lora.totalCount()};
            }
            if (s.listener() != null) {
                s.listener().parameters(counts[0], counts[1], lora != null);
            }
            Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>(model.variables());
            if (lora != null) {
                variables.putAll(lora.adapterVariables());
            }
            Gradients gradients;
            Operand<TFloat32> trainLoss;
            if (towers.size() > 1) {
                Towers replicas =
                        Towers.build(
                                graph,
                                tf,
                                model,
                                variables,
                                List.copyOf(trainable.keySet()),
                                towers,
                                model.dropout() == null ? null : model.dropout().seed);
                LOG.info(
                        "data parallel: {} towers on {}, {} sequences each per batch of {}",
                        towers.size(),
                        towers,
                        String.format(
                                java.util.Locale.ROOT,
                                "%.1f",
                                (double) s.batchSize() / towers.size()),
                        s.batchSize());
                gradients = Gradients.summed(tf, trainable, replicas.gradients, s.accumulation());
                trainLoss = replicas.loss;
            } else {
                gradients = Gradients.of(graph, tf, model.loss(), trainable, s.accumulation());
                trainLoss = model.loss();
            }
            AdamW adam =
                    new AdamW(
                            tf,
                            gradients,
                            gradients.clipped(tf, s.maxGradNorm()),
                            trainable,
                            decays,
                            new AdamW.Hyperparameters(
                                    TrainerBuilder.ADAM_BETA1,
                                    TrainerBuilder.ADAM_BETA2,
                                    TrainerBuilder.ADAM_EPSILON,
                                    s.weightDecay()));
            SessionOptions options = new SessionOptions(s.threads(), s.mixedPrecision(), s.xla());
            ConfigProto config = options.toConfig();
            if (towers.size() > 1 && s.cluster() == null && !runtime.hasGpu()) {
                // n CPU devices in this process, one per tower (they share the cores).
                config = config.toBuilder().putDeviceCount("CPU", towers.size()).build();
            }
            try (Session session = openSession(graph, config)) {
                session.initialize(); // optimizer slots start at zero
                Map<String, WeightTensor> initial = task.initialWeights();
                Map<String, WeightTensor> start = initial;
                // With LoRA only what trains is checkpointed: the frozen base is the task's
                // initial weights, assigned again on resume.
                Map<String, Variable<TFloat32>> persisted = model.variables();
                if (lora != null) {
                    start = lora.startingValues(initial, s.seed());
                    persisted = trainable;
                }
                Variables.assign(tf, session, variables, start);
                return new Run(
                                graph, session, tf, model, trainLoss, gradients, adam, schedule,
                                lora, persisted, initial, counts)
                        .loop();
            }
        }
    }

    /** A local session, or one whose master is the cluster's task 0. */
    private Session openSession(Graph graph, ConfigProto config) throws FinetuneException {
        if (s.cluster() == null) {
            return new Session(graph, config);
        }
        try {
            // With the cluster's operation timeout: else a step waits forever for a lost worker.
            return s.cluster().openSession(graph, config);
        } catch (IllegalStateException e) {
            throw new FinetuneException(
                    e.getMessage()
                            + "; start every task of the cluster first (hubtune worker --cluster "
                            + s.cluster()
                            + " --task N)",
                    e);
        }
    }

    /**
     * The device of each tower: one, unplaced, without data parallelism; the cluster's tasks; this
     * process's GPUs when TensorFlow sees enough of them, else its CPU devices (made by the
     * session's device_count).
     */
    private List<DeviceSpec> towerDevices(RuntimeInfo runtime) throws FinetuneException {
        List<DeviceSpec> out = new ArrayList<>();
        int n = s.cluster() != null ? s.cluster().size() : s.devices();
        if (s.batchSize() < n) {
            throw new FinetuneException(
                    "a batch of "
                            + s.batchSize()
                            + " cannot be shared by "
                            + n
                            + " towers; use --batch-size "
                            + n
                            + " or more");
        }
        if (s.cluster() != null) {
            for (int i = 0; i < s.cluster().size(); i++) {
                out.add(s.cluster().device(i));
            }
            return out;
        }
        if (s.devices() <= 1) {
            return List.of(DeviceSpec.newBuilder().build());
        }
        long gpus = runtime.devices().stream().filter(d -> d.isGpu()).count();
        if (gpus > 0 && gpus < s.devices()) {
            throw new FinetuneException(
                    "asked for "
                            + s.devices()
                            + " devices but TensorFlow sees "
                            + gpus
                            + " GPU(s); use --devices "
                            + gpus
                            + " or fewer");
        }
        DeviceSpec.DeviceType type =
                gpus > 0 ? DeviceSpec.DeviceType.GPU : DeviceSpec.DeviceType.CPU;
        for (int i = 0; i < s.devices(); i++) {
            out.add(DeviceSpec.newBuilder().deviceType(type).deviceIndex(i).build());
        }
        return out;
    }

    /** Trainable and total parameter counts. */
    private static long[] counts(java.util.Collection<Parameter> parameters) {
        long trainable = 0;
        long total = 0;
        for (Parameter p : parameters) {
            long n = 1;
            for (long d : p.shape()) {
                n *= d;
            }
            total += n;
            trainable += p.trainable() ? n : 0;
        }
        return new long[] {trainable, total};
    }

    /** Where a run continues: the epoch (1-based) and the batch within it. */
    private record Position(int epoch, int batch) {
        static final Position START = new Position(1, 0);
    }

    /** One run's mutable state: position, evaluations, early stopping, throughput counters. */
    private final class Run {
        private final Graph graph;
        private final Session session;
        private final Ops tf;
        private final TrainingTask.Model model;
        private final Operand<TFloat32> trainLoss;
        private final Gradients gradients;
        private final AdamW adam;
        private final LearningRateSchedule schedule;
        private final LoraTraining lora;
        private final Map<String, Variable<TFloat32>> persisted;
        private final Map<String, WeightTensor> initial;
        private final long[] counts;
        private final Map<String, Variable<TFloat32>> all;
        private final Checkpoints checkpoints;
        private final String fingerprint;
        private final Path metricsFile;
        private final List<TrainingReport.Evaluation<M>> evaluations = new ArrayList<>();
        private int bestIndex = -1;
        private int step;
        private int sinceBest;
        private int metricsLines;
        private double lossSum;
        private int lossCount;
        // The window of the next logged training point: its loss is the mean over the window's
        // micro-batches (checkpointed, so a resumed run logs the same value); its throughput is
        // this process's only (wall time is not resumable).
        private double logLossSum;
        private int logLossCount;
        private long logExamples;
        private long logSince;
        private TensorBoardWriter board;
        private final List<RunReport.TrainPoint> trainPoints = new ArrayList<>();
        private long processStart;
        private double secondsBefore;
        private Path lastCheckpoint;
        private int microInStep;
        private int stepsThisRun;
        private long examples;
        private long tokens;

        Run(
                Graph graph,
                Session session,
                Ops tf,
                TrainingTask.Model model,
                Operand<TFloat32> trainLoss,
                Gradients gradients,
                AdamW adam,
                LearningRateSchedule schedule,
                LoraTraining lora,
                Map<String, Variable<TFloat32>> persisted,
                Map<String, WeightTensor> initial,
                long[] counts) {
            this.graph = graph;
            this.session = session;
            this.tf = tf;
            this.model = model;
            this.trainLoss = trainLoss;
            this.gradients = gradients;
            this.adam = adam;
            this.schedule = schedule;
            this.lora = lora;
            this.persisted = persisted;
            this.initial = initial;
            this.counts = counts;
            this.all = new LinkedHashMap<>(persisted);
            all.putAll(adam.slots);
            this.checkpoints = new Checkpoints(s.outputDir(), s.keepCheckpoints());
            this.fingerprint =
                    task.fingerprint()
                            + "/"
                            + task.validationSize()
                            + "/"
                            + schedule
                            + "/"
                            + s.fingerprint();
            this.metricsFile = s.outputDir().resolve("metrics.jsonl");
        }

        TrainingReport<M> loop() throws FinetuneException, ModelException, IOException {
            // The task has read its data and built its graph by now: only a run that can start
            // sets the earlier one aside (and puts it back if it fails).
            EarlierRun earlier = s.overwrite() ? EarlierRun.setAside(s.outputDir()) : null;
            try {
                TrainingReport<M> report = train();
                if (earlier != null) {
                    earlier.discard();
                }
                return report;
            } catch (FinetuneException | ModelException | IOException | RuntimeException e) {
                if (earlier != null) {
                    try {
                        earlier.restore();
                    } catch (IOException restoreFailed) {
                        e.addSuppressed(restoreFailed);
                    }
                }
                throw e;
            }
        }

        private TrainingReport<M> train() throws FinetuneException, ModelException, IOException {
            int leftovers = checkpoints.recover();
            if (leftovers > 0) {
                LOG.info(
                        "removed {} half-written checkpoint folder(s) a stopped run left in {}",
                        leftovers,
                        s.outputDir());
            }
            Position position = s.resume() ? resume() : Position.START;
            int resumedFrom = step;
            if (step == 0) {
                // Nothing to continue: whatever an earlier process left without a checkpoint
                // (killed before its first) is not part of this run's curves.
                truncateLines(metricsFile, 0);
                TensorBoardEvents.deleteEventFiles(s.outputDir().resolve("tensorboard"));
            }
            long start = System.nanoTime();
            logSince = start;
            processStart = start;
            secondsBefore = step == 0 ? 0 : RunSummary.secondsSoFar(s.outputDir());
            boolean stop = false;
            try (Prefetcher prefetcher = new Prefetcher();
                    TensorBoardWriter tb =
                            TensorBoardWriter.open(s.outputDir().resolve("tensorboard"))) {
                board = tb;
                for (int epoch = position.epoch(); !stop && step < schedule.totalSteps(); epoch++) {
                    List<List<E>> batches = epochBatches(epoch);
                    int from = epoch == position.epoch() ? position.batch() : 0;
                    for (int bi = from; !stop && bi < batches.size(); bi++) {
                        stop = batch(prefetcher, batches, epoch, bi, start);
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (bestIndex < 0) {
                throw new FinetuneException("no evaluation ran; nothing to export");
            }
            Map<String, WeightTensor> best = Checkpoints.readVariables(checkpoints.bestDir());
            // A resumed or overwritten run's earlier export stays until the new one is complete.
            Path exported =
                    EarlierRun.replaceExport(
                            s.outputDir(),
                            staging ->
                                    lora == null
                                            ? task.export(best, staging.resolve("model"))
                                            : lora.export(
                                                    task, initial, best, staging, s.modelDir()));
            writeReport(exported);
            return new TrainingReport<>(
                    List.copyOf(evaluations),
                    evaluations.get(bestIndex),
                    step,
                    seconds,
                    stepsThisRun == 0 ? 0 : examples / seconds,
                    stepsThisRun == 0 ? 0 : tokens / seconds,
                    exported,
                    resumedFrom,
                    counts[0],
                    counts[1],
                    lora == null ? null : s.outputDir().resolve("adapter"));
        }

        /**
         * Restores the newest checkpoint, if any: variables, position, evaluations, early stopping
         * and the running loss. Returns the epoch and batch to continue from.
         */
        private Position resume() throws FinetuneException, ModelException, IOException {
            List<Path> candidates = checkpoints.newestFirst();
            if (candidates.isEmpty()) {
                return Position.START;
            }
            // A checkpoint damaged after it was written (a truncated copy, a disk error) is passed
            // over for the newest intact one, and the user is told which.
            Path latest = null;
            Checkpoints.State<M> state = null;
            Map<String, WeightTensor> variables = null;
            List<String> damaged = new ArrayList<>();
            for (Path c : candidates) {
                try {
                    state = Checkpoints.readState(c, task.metricsType());
                    variables = Checkpoints.readVariables(c);
                    latest = c;
                    break;
                } catch (IOException | ModelException e) {
                    damaged.add(c.getFileName() + ": " + e.getMessage());
                }
            }
            if (latest == null) {
                throw new FinetuneException(
                        "no checkpoint in "
                                + s.outputDir()
                                + " can be read ("
                                + String.join("; ", damaged)
                                + "); use --overwrite to start over");
            }
            if (!damaged.isEmpty()) {
                LOG.warn(
                        "the newest checkpoint is damaged ({}); resuming from {}, the newest intact"
                                + " one",
                        String.join("; ", damaged),
                        latest.getFileName());
            }
            if (!state.fingerprint().equals(fingerprint)) {
                throw new FinetuneException(
                        s.outputDir()
                                + " holds a run started with other data or settings; resume it"
                                + " with the same command, or use --overwrite to start over");
            }
            Variables.assign(tf, session, all, variables);
            step = state.step();
            sinceBest = state.sinceBest();
            evaluations.addAll(state.evaluations());
            bestIndex = state.best();
            metricsLines = state.metricsLines();
            lossSum = state.trainLossSum();
            lossCount = state.trainLossCount();
            logLossSum = state.logLossSum();
            logLossCount = state.logLossCount();
            lastCheckpoint = latest;
            truncateLines(metricsFile, metricsLines);
            trainPoints.addAll(loggedTraining(metricsFile));
            LOG.info(
                    "resuming {} at step {} (epoch {}, batch {})",
                    s.outputDir(),
                    step,
                    state.epoch(),
                    state.batchInEpoch());
            return new Position(state.epoch(), state.batchInEpoch());
        }

        /**
         * Trains on batch {@code bi} of {@code epoch}; after the micro-batch that completes an
         * optimizer step, evaluates and checkpoints as due. True when the run is over.
         */
        private boolean batch(
                Prefetcher prefetcher, List<List<E>> batches, int epoch, int bi, long start)
                throws FinetuneException, IOException {
            boolean epochEnd = bi == batches.size() - 1;
            // With gradient accumulation, k micro-batches make one optimizer step (the last step
            // of an epoch may use fewer).
            microInStep++;
            boolean applyNow = microInStep >= s.accumulation() || epochEnd;
            int nextStep = step + 1;
            double lr = schedule.at(nextStep);
            boolean logNow =
                    applyNow
                            && (nextStep % s.logEverySteps() == 0
                                    || nextStep >= schedule.totalSteps());
            double loss;
            double gradNorm;
            try (TrainingTask.Feed feed = prefetcher.take(batches, bi)) {
                double[] out =
                        trainStep(feed, lr, nextStep, epoch * 1_000_000L + bi, applyNow, logNow);
                loss = out[0];
                gradNorm = out[1];
                examples += feed.examples();
                tokens += feed.tokens();
                logExamples += feed.examples();
            }
            if (!Double.isFinite(loss)) {
                throw new FinetuneException(
                        "the loss became "
                                + loss
                                + " at step "
                                + nextStep
                                + " (learning rate "
                                + lr
                                + "); the last checkpoint and the best model so far are kept."
                                + " Lower --learning-rate (e.g. by 10x) or keep gradient clipping"
                                + " on.");
            }
            lossSum += loss;
            lossCount++;
            logLossSum += loss;
            logLossCount++;
            if (!applyNow) {
                return false;
            }
            microInStep = 0;
            step = nextStep;
            stepsThisRun++;
            if (s.listener() != null) {
                s.listener()
                        .step(
                                step,
                                schedule.totalSteps(),
                                loss,
                                lr,
                                (System.nanoTime() - start) / 1e9);
            }
            if (logNow) {
                logTraining(epoch, lr, gradNorm);
            }
            boolean last = step >= schedule.totalSteps();
            boolean evalNow =
                    (s.evalEverySteps() > 0 && step % s.evalEverySteps() == 0) || epochEnd || last;
            boolean stop = false;
            boolean best = false;
            if (evalNow) {
                M m = task.evaluate(session);
                TrainingReport.Evaluation<M> ev =
                        new TrainingReport.Evaluation<>(
                                step, epoch, lossSum / Math.max(1, lossCount), m);
                lossSum = 0;
                lossCount = 0;
                stop = record(ev, schedule.at(step));
                best = bestIndex == evaluations.size() - 1;
            }
            boolean checkpointNow =
                    (evalNow
                                    || (s.checkpointEverySteps() > 0
                                            && step % s.checkpointEverySteps() == 0))
                            && !stop
                            && !last;
            if (best || checkpointNow) {
                saveCheckpoints(best, checkpointNow, state(epoch, bi, batches.size()));
            }
            return stop || last;
        }

        /**
         * Writes the training point of this step: mean loss over the window, learning rate,
         * gradient global norm (before clipping) and sequences per second, to TensorBoard and as a
         * {@code type: train} line of metrics.jsonl.
         */
        private void logTraining(int epoch, double lr, double gradNorm) throws IOException {
            long now = System.nanoTime();
            double loss = logLossSum / Math.max(1, logLossCount);
            double seconds = (now - logSince) / 1e9;
            double perSecond = seconds > 0 ? logExamples / seconds : 0;
            logLossSum = 0;
            logLossCount = 0;
            logExamples = 0;
            logSince = now;
            board.scalar("train/loss", step, loss);
            board.scalar("train/learning_rate", step, lr);
            board.scalar("train/grad_norm", step, gradNorm);
            board.scalar("train/sequences_per_second", step, perSecond);
            board.flush();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("type", "train");
            row.put("step", step);
            row.put("epoch", epoch);
            row.put("loss", loss);
            row.put("learning_rate", lr);
            // JSON has no NaN or infinity (a norm can overflow while the loss stays finite).
            row.put("grad_norm", Double.isFinite(gradNorm) ? gradNorm : null);
            row.put("sequences_per_second", perSecond);
            appendLine(row);
            trainPoints.add(new RunReport.TrainPoint(step, loss));
        }

        /** Redraws report.png and report.html ({@code exported}: null while training). */
        private void writeReport(Path exported) throws IOException {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("model", s.modelDir().toString());
            settings.put(
                    "training data", s.trainFile() + " (" + task.train().size() + " examples)");
            settings.put(
                    "validation data",
                    (s.validationFile() == null
                                    ? "held out " + s.validationFraction() + " of the training file"
                                    : s.validationFile().toString())
                            + " ("
                            + task.validationSize()
                            + " examples)");
            settings.put("steps", step + " of " + schedule.totalSteps());
            settings.put(
                    "batch",
                    s.batchSize()
                            + " × "
                            + s.accumulation()
                            + " accumulation (per optimizer step)");
            settings.put("learning rate", s.learningRate() + ", " + schedule);
            settings.put("weight decay", String.valueOf(s.weightDecay()));
            settings.put("gradient clipping", "global norm " + s.maxGradNorm());
            settings.put("dropout", String.valueOf(s.dropout()));
            settings.put("seed", String.valueOf(s.seed()));
            settings.put(
                    "parameters trained",
                    String.format(java.util.Locale.ROOT, "%,d of %,d", counts[0], counts[1])
                            + (lora == null ? "" : " (LoRA " + s.lora() + ")"));
            settings.put("best by", s.metric());
            settings.put("output", s.outputDir().toString());
            String kind =
                    task.getClass()
                            .getSimpleName()
                            .replaceFirst("Task$", "")
                            .replaceAll("([a-z])([A-Z])", "$1 $2")
                            .replace(" Lm", " LM");
            RunSummary.write(
                    s.outputDir(),
                    new RunSummary(
                            kind,
                            s.modelDir().toString(),
                            s.trainFile().toString(),
                            task.train().size(),
                            task.validationSize(),
                            summarySettings(),
                            step,
                            schedule.totalSteps(),
                            secondsBefore + (System.nanoTime() - processStart) / 1e9,
                            s.metric(),
                            bestIndex < 0 ? null : evaluations.get(bestIndex).step(),
                            bestIndex < 0 ? null : bestValue(evaluations.get(bestIndex).metrics()),
                            bestIndex < 0 ? null : evaluations.get(bestIndex).metrics().summary(),
                            exported == null ? null : exported.toString()));
            RunReport.write(
                    s.outputDir(),
                    new RunReport.Contents(
                            kind
                                    + " fine-tuning of "
                                    + RunSummary.modelName(s.modelDir().toString()),
                            List.copyOf(trainPoints),
                            List.copyOf(evaluations),
                            bestIndex,
                            s.metric(),
                            schedule,
                            settings,
                            exported));
        }

        /** The settings {@code hubtune runs} compares, raw. */
        private Map<String, Object> summarySettings() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("learning_rate", s.learningRate());
            m.put("batch_size", s.batchSize());
            m.put("accumulation", s.accumulation());
            m.put("epochs", s.epochs());
            m.put("max_steps", s.maxSteps());
            m.put("schedule", s.schedule().name().toLowerCase(java.util.Locale.ROOT));
            m.put("warmup_ratio", s.warmupRatio());
            m.put("weight_decay", s.weightDecay());
            m.put("dropout", s.dropout());
            m.put("seed", s.seed());
            m.put("lora", lora == null ? null : String.valueOf(s.lora()));
            return m;
        }

        /** The chosen metric's value (a loss as itself, not negated as {@code score} has it). */
        private double bestValue(M metrics) {
            if (s.metric().equals("loss")) {
                return metrics.loss();
            }
            Object v = metrics.columns().get(s.metric());
            return v instanceof Number n ? n.doubleValue() : metrics.score(s.metric());
        }

        /**
         * Whether {@code a} beats {@code b} on the chosen metric; a tie goes to the lower
         * validation loss (so of two evaluations with equal accuracy, the better-fitted one wins,
         * not merely the first).
         */
        private boolean better(M a, M b) {
            double sa = a.score(s.metric());
            double sb = b.score(s.metric());
            return sa > sb || (sa == sb && a.loss() < b.loss());
        }

        /** Logs and stores an evaluation; true when early stopping ends the run. */
        private boolean record(TrainingReport.Evaluation<M> ev, double lr) throws IOException {
            evaluations.add(ev);
            appendMetrics(ev, lr);
            for (Map.Entry<String, Double> scalar :
                    TensorBoardEvents.scalars("eval", ev.metrics().columns(), task.classNames())
                            .entrySet()) {
                board.scalar(scalar.getKey(), ev.step(), scalar.getValue());
            }
            board.scalar("eval/train_loss", ev.step(), ev.trainLoss());
            board.flush();
            // The CLI's listener prints evaluations itself; library users get them in the log.
            LOG.atLevel(s.listener() == null ? Level.INFO : Level.DEBUG)
                    .log(
                            "step {} epoch {}: train loss {}, {}",
                            ev.step(),
                            ev.epoch(),
                            String.format(java.util.Locale.ROOT, "%.4f", ev.trainLoss()),
                            ev.metrics().summary());
            if (s.listener() != null) {
                s.listener().evaluated(ev);
            }
            boolean improved =
                    bestIndex < 0 || better(ev.metrics(), evaluations.get(bestIndex).metrics());
            if (improved) {
                bestIndex = evaluations.size() - 1;
                sinceBest = 0;
            }
            writeReport(null);
            if (improved) {
                return false;
            }
            if (s.patience() > 0 && ++sinceBest >= s.patience()) {
                LOG.info(
                        "early stopping: {} did not improve for {} evaluations",
                        s.metric(),
                        s.patience());
                return true;
            }
            return false;
        }

        /**
         * Writes the best model and/or a step checkpoint of {@code position}, reading the session's
         * variables once for both.
         */
        private void saveCheckpoints(
                boolean best, boolean checkpoint, Checkpoints.State<M> position)
                throws FinetuneException {
            Map<String, WeightTensor> values =
                    Variables.read(session, checkpoint ? all : persisted);
            if (best) {
                Map<String, WeightTensor> weights = new LinkedHashMap<>();
                persisted.keySet().forEach(n -> weights.put(n, values.get(n)));
                try {
                    checkpoints.saveBest(weights, position);
                } catch (IOException e) {
                    throw checkpointFailed("the best model", e);
                }
            }
            if (checkpoint) {
                try {
                    lastCheckpoint = checkpoints.save(position, values);
                } catch (IOException e) {
                    throw checkpointFailed("the checkpoint of step " + step, e);
                }
            }
        }

        private FinetuneException checkpointFailed(String what, IOException e) {
            String previous =
                    lastCheckpoint == null
                            ? "no earlier checkpoint exists"
                            : "the previous checkpoint " + lastCheckpoint + " is intact";
            return new FinetuneException(
                    "could not write "
                            + what
                            + " under "
                            + s.outputDir().resolve("checkpoints")
                            + " ("
                            + e
                            + "); nothing half-written was left and "
                            + previous
                            + ". Free disk space (or choose another --output), then run the same"
                            + " command with --resume.",
                    e);
        }

        /**
         * The position after batch {@code bi} of {@code epoch}: the next batch, or the next epoch's
         * first.
         */
        private Checkpoints.State<M> state(int epoch, int bi, int batchesInEpoch) {
            boolean epochDone = bi + 1 >= batchesInEpoch;
            return new Checkpoints.State<>(
                    step,
                    epochDone ? epoch + 1 : epoch,
                    epochDone ? 0 : bi + 1,
                    fingerprint,
                    metricsLines,
                    sinceBest,
                    List.copyOf(evaluations),
                    bestIndex,
                    lossSum,
                    lossCount,
                    logLossSum,
                    logLossCount);
        }

        /** Feeds LoRA's adapter dropout rate, where the adapters have dropout. */
        private Session.Runner loraDropout(Session.Runner runner, TFloat32 rate) {
            return lora == null || lora.dropoutRate() == null
                    ? runner
                    : runner.feed(lora.dropoutRate(), rate);
        }

        /**
         * Runs one micro-batch (and the update, when {@code apply}); returns its loss and, when
         * {@code norm} is asked for, the global gradient norm of the update (NaN otherwise).
         */
        private double[] trainStep(
                TrainingTask.Feed feed,
                double lr,
                int step,
                long dropoutStream,
                boolean apply,
                boolean norm)
                throws FinetuneException {
            try {
                return runStep(feed, lr, step, dropoutStream, apply, norm);
            } catch (TensorFlowException e) {
                if (s.cluster() == null || e instanceof TFResourceExhaustedException) {
                    throw e;
                }
                // A worker that died (or a network that failed) ends the step with an error
                // from the gRPC runtime; the checkpoints on the chief's disk are intact.
                String why =
                        e.getMessage() == null || e.getMessage().isBlank()
                                ? "no answer within the step timeout of "
                                        + s.cluster().timeout().toSeconds()
                                        + " s ("
                                        + e.getClass().getSimpleName()
                                        + "; a worker may have stopped)"
                                : firstLine(e.getMessage());
                throw new FinetuneException(
                        "step "
                                + step
                                + " failed on the cluster "
                                + s.cluster()
                                + ": "
                                + why
                                + ". Restart every worker (hubtune worker --cluster ... --task N),"
                                + " then run the same command with --resume.",
                        e);
            }
        }

        private double[] runStep(
                TrainingTask.Feed feed,
                double lr,
                int step,
                long dropoutStream,
                boolean apply,
                boolean norm)
                throws FinetuneException {
            try (TFloat32 rate = TFloat32.scalarOf((float) s.dropout());
                    TFloat32 loraRate = TFloat32.scalarOf(lora == null ? 0f : lora.dropout());
                    TInt64 seed = TInt64.vectorOf(s.seed(), dropoutStream);
                    TFloat32 learningRate = TFloat32.scalarOf((float) lr);
                    TFloat32 c1 = TFloat32.scalarOf(adam.correction1(step));
                    TFloat32 c2 = TFloat32.scalarOf(adam.correction2(step));
                    Result r =
                            run(
                                    withNorm(
                                            loraDropout(feed.into(session.runner()), loraRate)
                                                    .feed(model.dropout().rate, rate)
                                                    .feed(model.dropout().seed, seed)
                                                    .feed(adam.learningRate, learningRate)
                                                    .feed(adam.correction1, c1)
                                                    .feed(adam.correction2, c2)
                                                    .fetch(trainLoss)
                                                    .addTarget(
                                                            gradients.accumulate != null
                                                                    ? gradients.accumulate
                                                                    : adam.step),
                                            norm && gradients.accumulate == null),
                                    step)) {
                double gradNorm = Double.NaN;
                if (norm && gradients.accumulate == null) {
                    gradNorm = ((TFloat32) r.get(1)).getFloat();
                }
                if (gradients.accumulate != null && apply) {
                    // The update reads only the accumulators: no batch to feed. The norm fetched
                    // here is the one the update clipped with (the accumulated gradient's),
                    // computed once in this run, before the accumulators are reset.
                    try (Result u =
                            withNorm(
                                            session.runner()
                                                    .feed(adam.learningRate, learningRate)
                                                    .feed(adam.correction1, c1)
                                                    .feed(adam.correction2, c2)
                                                    .addTarget(adam.step),
                                            norm)
                                    .run()) {
                        if (norm) {
                            gradNorm = ((TFloat32) u.get(0)).getFloat();
                        }
                    }
                }
                return new double[] {((TFloat32) r.get(0)).getFloat(), gradNorm};
            } catch (TFResourceExhaustedException e) {
                throw new FinetuneException(
                        "a batch of "
                                + feed.examples()
                                + " sequences ("
                                + feed.tokens()
                                + " tokens) did not fit in memory: "
                                + firstLine(e.getMessage())
                                + ". Use a smaller --batch-size with --gradient-accumulation to keep"
                                + " the same effective batch (e.g. half the batch, accumulation 2),"
                                + " or shorter sequences.",
                        e);
            }
        }

        /** Also fetches the global gradient norm, when asked. */
        private Session.Runner withNorm(Session.Runner runner, boolean norm) {
            return norm ? runner.fetch(gradients.norm) : runner;
        }

        /**
         * Runs a training step; the step chosen for profiling runs traced, and where its time went
         * is written to profile.txt.
         */
        private Result run(Session.Runner runner, int step) {
            if (step != s.profileStep()) {
                return runner.run();
            }
            long start = System.nanoTime();
            Result r =
                    runner.setOptions(
                                    RunOptions.newBuilder()
                                            .setTraceLevel(RunOptions.TraceLevel.FULL_TRACE)
                                            .build())
                            .runAndFetchMetadata();
            long wall = (System.nanoTime() - start) / 1000;
            r.getMetadata()
                    .ifPresent(
                            m -> {
                                String summary = StepProfile.summarise(graph, m, step, wall);
                                LOG.info("profile of {}", summary);
                                try {
                                    StepProfile.write(
                                            s.outputDir().resolve("profile.txt"), summary);
                                } catch (IOException e) {
                                    LOG.warn("cannot write profile.txt: {}", e.toString());
                                }
                            });
            return r;
        }

        private void appendMetrics(TrainingReport.Evaluation<M> ev, double lr) throws IOException {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("type", "eval");
            row.put("step", ev.step());
            row.put("epoch", ev.epoch());
            row.put("learning_rate", lr);
            row.put("train_loss", ev.trainLoss());
            row.putAll(ev.metrics().columns());
            appendLine(row);
        }

        /** Appends a line to metrics.jsonl (counted, so a resumed run truncates to its state). */
        private void appendLine(Map<String, Object> row) throws IOException {
            metricsLines++;
            Files.writeString(
                    metricsFile,
                    new Gson().toJson(row) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    /**
     * Prepares batch {@code bi + 1}'s tensors on a daemon thread while the session runs batch
     * {@code bi}, so tokenization, padding and copying never stall TensorFlow.
     */
    private final class Prefetcher implements AutoCloseable {
        private final ExecutorService thread =
                s.prefetch()
                        ? Executors.newSingleThreadExecutor(
                                r -> {
                                    Thread t = new Thread(r, "hubtune-batch-prep");
                                    t.setDaemon(true);
                                    return t;
                                })
                        : null;
        private List<List<E>> pendingEpoch;
        private int pendingIndex = -1;
        private Future<TrainingTask.Feed> pending;

        TrainingTask.Feed take(List<List<E>> batches, int bi) throws FinetuneException {
            TrainingTask.Feed feed;
            if (pending != null && pendingEpoch == batches && pendingIndex == bi) {
                feed = await(pending);
            } else {
                discard();
                feed = task.feed(batches.get(bi));
            }
            pending = null;
            if (thread != null && bi + 1 < batches.size()) {
                List<E> next = batches.get(bi + 1);
                pendingEpoch = batches;
                pendingIndex = bi + 1;
                pending = thread.submit(() -> task.feed(next));
            }
            return feed;
        }

        private TrainingTask.Feed await(Future<TrainingTask.Feed> f) throws FinetuneException {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FinetuneException("interrupted while preparing a batch", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new FinetuneException("preparing a batch failed: " + cause, cause);
            }
        }

        private void discard() {
            if (pending != null) {
                try {
                    await(pending).close();
                } catch (FinetuneException | RuntimeException e) {
                    LOG.debug("discarded batch failed", e);
                }
                pending = null;
            }
        }

        @Override
        public void close() {
            discard();
            if (thread != null) {
                thread.shutdownNow();
            }
        }
    }

    /** The epoch's batches: seeded, length-bucketed ({@link LengthBuckets}). */
    private List<List<E>> epochBatches(int epoch) {
        return LengthBuckets.batches(
                task.train(),
                task::length,
                s.batchSize(),
                BUCKET_BATCHES,
                new Random(s.seed() * 1_000_003L + epoch));
    }

    /** The {@code type: train} points of a metrics.jsonl (a resumed run's earlier curve). */
    private static List<RunReport.TrainPoint> loggedTraining(Path file) throws IOException {
        List<RunReport.TrainPoint> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            com.google.gson.JsonObject o =
                    com.google.gson.JsonParser.parseString(line).getAsJsonObject();
            if (o.has("type") && o.get("type").getAsString().equals("train")) {
                out.add(
                        new RunReport.TrainPoint(
                                o.get("step").getAsInt(), o.get("loss").getAsDouble()));
            }
        }
        return out;
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

    private static String firstLine(String message) {
        if (message == null) {
            return "out of memory";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
