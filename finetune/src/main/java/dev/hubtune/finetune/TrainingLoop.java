package dev.hubtune.finetune;

import com.google.gson.Gson;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Parameter;
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
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
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
        TensorFlowRuntime.load();
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
            Ops tf = Ops.create(graph);
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
            Gradients gradients =
                    Gradients.of(graph, tf, model.loss(), trainable, s.accumulation());
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
            try (Session session = new Session(graph, options.toConfig())) {
                session.initialize(); // optimizer slots start at zero
                Map<String, WeightTensor> initial = task.initialWeights();
                Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>(model.variables());
                Map<String, WeightTensor> start = initial;
                // With LoRA only what trains is checkpointed: the frozen base is the task's
                // initial weights, assigned again on resume.
                Map<String, Variable<TFloat32>> persisted = model.variables();
                if (lora != null) {
                    variables.putAll(lora.adapterVariables());
                    start = lora.startingValues(initial, s.seed());
                    persisted = trainable;
                }
                Variables.assign(tf, session, variables, start);
                return new Run(
                                graph, session, tf, model, gradients, adam, schedule, lora,
                                persisted, initial, counts)
                        .loop();
            }
        }
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
            long start = System.nanoTime();
            boolean stop = false;
            try (Prefetcher prefetcher = new Prefetcher()) {
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
            lastCheckpoint = latest;
            truncateLines(metricsFile, metricsLines);
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
            double loss;
            try (TrainingTask.Feed feed = prefetcher.take(batches, bi)) {
                loss = trainStep(feed, lr, nextStep, epoch * 1_000_000L + bi, applyNow);
                examples += feed.examples();
                tokens += feed.tokens();
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
            metricsLines++;
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
            ReportImage.write(s.outputDir().resolve("report.png"), evaluations, schedule);
            if (bestIndex < 0 || better(ev.metrics(), evaluations.get(bestIndex).metrics())) {
                bestIndex = evaluations.size() - 1;
                sinceBest = 0;
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
                    lossCount);
        }

        /** Feeds LoRA's adapter dropout rate, where the adapters have dropout. */
        private Session.Runner loraDropout(Session.Runner runner, TFloat32 rate) {
            return lora == null || lora.dropoutRate() == null
                    ? runner
                    : runner.feed(lora.dropoutRate(), rate);
        }

        private double trainStep(
                TrainingTask.Feed feed, double lr, int step, long dropoutStream, boolean apply)
                throws FinetuneException {
            try (TFloat32 rate = TFloat32.scalarOf((float) s.dropout());
                    TFloat32 loraRate = TFloat32.scalarOf(lora == null ? 0f : lora.dropout());
                    TInt64 seed = TInt64.vectorOf(s.seed(), dropoutStream);
                    TFloat32 learningRate = TFloat32.scalarOf((float) lr);
                    TFloat32 c1 = TFloat32.scalarOf(adam.correction1(step));
                    TFloat32 c2 = TFloat32.scalarOf(adam.correction2(step));
                    Result r =
                            run(
                                    loraDropout(feed.into(session.runner()), loraRate)
                                            .feed(model.dropout().rate, rate)
                                            .feed(model.dropout().seed, seed)
                                            .feed(adam.learningRate, learningRate)
                                            .feed(adam.correction1, c1)
                                            .feed(adam.correction2, c2)
                                            .fetch(model.loss())
                                            .addTarget(
                                                    gradients.accumulate != null
                                                            ? gradients.accumulate
                                                            : adam.step),
                                    step)) {
                if (gradients.accumulate != null && apply) {
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
            row.put("step", ev.step());
            row.put("epoch", ev.epoch());
            row.put("learning_rate", lr);
            row.put("train_loss", ev.trainLoss());
            row.putAll(ev.metrics().columns());
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
