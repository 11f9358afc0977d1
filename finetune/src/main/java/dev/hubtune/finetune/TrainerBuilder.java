package dev.hubtune.finetune;

import dev.hubtune.models.lora.LoraConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The settings every fine-tuning task shares: data files, output, schedule, optimizer, evaluation,
 * checkpoints and devices. Task builders ({@link ClassifierTrainer.Builder}, {@link
 * LanguageModelTrainer.Builder}) extend it with their own.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class TrainerBuilder<B extends TrainerBuilder<B>> {

    // The defaults, in one place: the CLI shows and uses these, it never has its own.

    /** Share of the training file held out for validation when none is given. */
    public static final double DEFAULT_VALIDATION_FRACTION = 0.2;

    /** Epochs. */
    public static final int DEFAULT_EPOCHS = 3;

    /** Peak learning rate (HF Trainer's default). */
    public static final double DEFAULT_LEARNING_RATE = 5e-5;

    /** Seed of the split, shuffling, dropout and fresh heads. */
    public static final long DEFAULT_SEED = 42;

    /** Share of the steps spent warming the learning rate up from 0. */
    public static final double DEFAULT_WARMUP_RATIO = 0.1;

    /** Decoupled weight decay (not on biases or norms). */
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    /** Global gradient-norm clipping. */
    public static final double DEFAULT_MAX_GRAD_NORM = 1.0;

    /** Dropout where the model has it. */
    public static final double DEFAULT_DROPOUT = 0.1;

    /** Checkpoints kept besides the best model. */
    public static final int DEFAULT_KEEP_CHECKPOINTS = 2;

    /** Optimizer steps between two logged training points (TensorBoard, metrics.jsonl). */
    public static final int DEFAULT_LOG_EVERY_STEPS = 10;

    /** Adam's first-moment decay. */
    static final double ADAM_BETA1 = 0.9;

    /** Adam's second-moment decay. */
    static final double ADAM_BETA2 = 0.999;

    /** Adam's epsilon. */
    static final double ADAM_EPSILON = 1e-8;

    Path modelDir;
    Path trainFile;
    Path validationFile;
    double validationFraction = DEFAULT_VALIDATION_FRACTION;
    Path outputDir;
    int epochs = DEFAULT_EPOCHS;
    int maxSteps = -1;
    double learningRate = DEFAULT_LEARNING_RATE;
    int batchSize;
    long seed = DEFAULT_SEED;
    double warmupRatio = DEFAULT_WARMUP_RATIO;
    double weightDecay = DEFAULT_WEIGHT_DECAY;
    double maxGradNorm = DEFAULT_MAX_GRAD_NORM;
    double dropout = DEFAULT_DROPOUT;
    LearningRateSchedule.Kind schedule = LearningRateSchedule.Kind.LINEAR;
    int evalEverySteps;
    String metric;
    int patience;
    int threads;
    boolean mixedPrecision;
    boolean xla;
    boolean overwrite;
    boolean resume;
    int accumulation = 1;
    int checkpointEverySteps;
    int keepCheckpoints = DEFAULT_KEEP_CHECKPOINTS;
    boolean prefetch = true;
    int profileStep;
    int logEverySteps = DEFAULT_LOG_EVERY_STEPS;
    TrainingListener listener;
    LoraConfig lora;
    Path adapter;
    int devices = 1;
    Cluster cluster;

    TrainerBuilder(String defaultMetric, int defaultBatchSize) {
        this.metric = defaultMetric;
        this.batchSize = defaultBatchSize;
    }

    /** This builder, typed as the concrete builder. */
    protected abstract B self();

    /** The metric names this task accepts in {@link #optMetric}. */
    protected abstract List<String> metricNames();

    /** The pretrained model directory: config.json, weights, tokenizer (required). */
    public B setModelDir(Path dir) {
        this.modelDir = Objects.requireNonNull(dir);
        return self();
    }

    /** The training data (required). */
    public B setTrainFile(Path file) {
        this.trainFile = Objects.requireNonNull(file);
        return self();
    }

    /** Where checkpoints, metrics, the report image and the exported model go (required). */
    public B setOutputDir(Path dir) {
        this.outputDir = Objects.requireNonNull(dir);
        return self();
    }

    /** A validation file (default: a seeded share of the training data). */
    public B optValidationFile(Path file) {
        this.validationFile = Objects.requireNonNull(file);
        return self();
    }

    /**
     * Share of the training data held out when there is no validation file (default {@value
     * #DEFAULT_VALIDATION_FRACTION}).
     */
    public B optValidationFraction(double fraction) {
        if (fraction <= 0 || fraction >= 1) {
            throw new IllegalArgumentException(
                    "validation fraction must be in (0, 1), got " + fraction);
        }
        this.validationFraction = fraction;
        return self();
    }

    /** Epochs (default {@value #DEFAULT_EPOCHS}). */
    public B optEpochs(int epochs) {
        this.epochs = positive(epochs, "epochs");
        return self();
    }

    /** Stop after this many optimizer steps instead of whole epochs. */
    public B optMaxSteps(int steps) {
        this.maxSteps = positive(steps, "max steps");
        return self();
    }

    /** Peak learning rate. */
    public B optLearningRate(double lr) {
        if (!(lr > 0 && lr < 1)) {
            throw new IllegalArgumentException("learning rate must be in (0, 1), got " + lr);
        }
        this.learningRate = lr;
        return self();
    }

    /** Sequences per micro-batch (default: the task builder's {@code DEFAULT_BATCH_SIZE}). */
    public B optBatchSize(int n) {
        this.batchSize = positive(n, "batch size");
        return self();
    }

    /** Seed of shuffling, split, dropout and new weights (default {@value #DEFAULT_SEED}). */
    public B optSeed(long seed) {
        this.seed = seed;
        return self();
    }

    /** Share of steps spent warming up (default {@value #DEFAULT_WARMUP_RATIO}). */
    public B optWarmupRatio(double ratio) {
        if (ratio < 0 || ratio >= 1) {
            throw new IllegalArgumentException("warm-up ratio must be in [0, 1), got " + ratio);
        }
        this.warmupRatio = ratio;
        return self();
    }

    /** Decoupled weight decay (default {@value #DEFAULT_WEIGHT_DECAY}). */
    public B optWeightDecay(double wd) {
        this.weightDecay = wd;
        return self();
    }

    /** Global gradient-norm clip (default {@value #DEFAULT_MAX_GRAD_NORM}; 0 turns it off). */
    public B optMaxGradNorm(double norm) {
        this.maxGradNorm = norm;
        return self();
    }

    /** Dropout probability during training (default {@value #DEFAULT_DROPOUT}). */
    public B optDropout(double p) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
        }
        this.dropout = p;
        return self();
    }

    /** Schedule after warm-up (default linear decay). */
    public B optSchedule(LearningRateSchedule.Kind kind) {
        this.schedule = Objects.requireNonNull(kind);
        return self();
    }

    /** Also evaluate every N steps (default: at each epoch end only). */
    public B optEvalEverySteps(int n) {
        this.evalEverySteps = n;
        return self();
    }

    /** The metric choosing the best model and driving early stopping. */
    public B optMetric(String metric) {
        this.metric = EvaluationMetrics.requireKnown(metric, metricNames());
        return self();
    }

    /** Stop after this many evaluations without improvement (default 0: never). */
    public B optPatience(int n) {
        this.patience = n;
        return self();
    }

    /**
     * TensorFlow intra-op threads (default: TensorFlow's choice; 1 for bitwise reproducibility).
     */
    public B optThreads(int n) {
        this.threads = n;
        return self();
    }

    /** Automatic mixed precision (float16 compute where safe) on GPUs; no effect on CPUs. */
    public B optMixedPrecision(boolean on) {
        this.mixedPrecision = on;
        return self();
    }

    /** Compile the graph with XLA's JIT. */
    public B optXla(boolean on) {
        this.xla = on;
        return self();
    }

    /** Replace a run or model already in the output directory. */
    public B optOverwrite(boolean overwrite) {
        this.overwrite = overwrite;
        return self();
    }

    /** Continue the run in the output directory from its last checkpoint. */
    public B optResume(boolean resume) {
        this.resume = resume;
        return self();
    }

    /** Accumulate gradients over {@code k} micro-batches per optimizer step (default 1). */
    public B optGradientAccumulation(int k) {
        this.accumulation = positive(k, "gradient accumulation");
        return self();
    }

    /** Also checkpoint every N steps (default: at each evaluation). */
    public B optCheckpointEverySteps(int n) {
        this.checkpointEverySteps = n;
        return self();
    }

    /**
     * How many step checkpoints to keep besides the best model (default {@value
     * #DEFAULT_KEEP_CHECKPOINTS}).
     */
    public B optKeepCheckpoints(int n) {
        this.keepCheckpoints = Math.max(1, n);
        return self();
    }

    /**
     * Prepare the next batch's tensors on a background thread while TensorFlow runs the current one
     * (default true).
     */
    public B optPrefetch(boolean prefetch) {
        this.prefetch = prefetch;
        return self();
    }

    /**
     * Trace optimizer step {@code step} and write where its time went (by op type and by forward,
     * gradients and optimizer) to {@code profile.txt} in the output directory (default 0: off).
     */
    public B optProfileStep(int step) {
        this.profileStep = step;
        return self();
    }

    /**
     * Train LoRA adapters instead of every weight (Hu et al. 2021, as PEFT): the base network is
     * frozen (no gradients, no optimizer moments), {@code config}'s target layers get trainable
     * low-rank adapters and the task's head (or {@code config}'s modules to save) trains in full.
     * The run exports {@code <output>/adapter} (a PEFT adapter directory) and {@code
     * <output>/model} (the model with the adapters merged in). {@link LoraConfig#defaults()} is
     * PEFT's r 8, alpha 8 on the model type's default layers.
     */
    public B optLora(LoraConfig config) {
        this.lora = Objects.requireNonNull(config);
        return self();
    }

    /**
     * Continue training the PEFT LoRA adapter in {@code dir} (one hubtune or PEFT saved for this
     * base model): LoRA with the adapter's rank, alpha, layers and modules to save, starting from
     * its weights.
     */
    public B optAdapter(Path dir) {
        this.adapter = Objects.requireNonNull(dir);
        return self();
    }

    /**
     * Data-parallel training on {@code n} devices of this process (default 1): one replica of the
     * model (a tower) per device, each on its share of every batch, the variables shared, the
     * towers' gradients summed into one update. The batch size and learning rate mean what they
     * mean on one device — {@code n} towers of batch 16 with {@link #optBatchSize} 32 train exactly
     * as one device on 32. Towers go on GPUs when TensorFlow sees {@code n} of them, else on {@code
     * n} CPU devices (which share the cores: a way to test the set-up, not a speed-up).
     */
    public B optDevices(int n) {
        this.devices = positive(n, "devices");
        return self();
    }

    /**
     * Data-parallel training on the TensorFlow workers of {@code cluster} (each started with {@code
     * hubtune worker}): one tower per worker, the variables and the update on worker 0, reached as
     * {@code grpc://} + its address. TensorFlow's servers have no authentication: use them on
     * private networks only.
     */
    public B optCluster(Cluster cluster) {
        this.cluster = Objects.requireNonNull(cluster);
        return self();
    }

    /**
     * Log training loss, learning rate, gradient norm and throughput every {@code n} optimizer
     * steps (default {@value #DEFAULT_LOG_EVERY_STEPS}) to {@code <output>/tensorboard} and {@code
     * <output>/metrics.jsonl}; the loss logged is the mean over the steps since the last point.
     */
    public B optLogEverySteps(int n) {
        this.logEverySteps = positive(n, "log-every");
        return self();
    }

    /** Progress callbacks. */
    public B optListener(TrainingListener listener) {
        this.listener = listener;
        return self();
    }

    /** The common settings, checked. */
    TrainingSettings settings(String required) {
        if (modelDir == null || trainFile == null || outputDir == null) {
            throw new IllegalStateException(required);
        }
        if (cluster != null && devices > 1) {
            throw new IllegalStateException(
                    "devices and a cluster exclude each other: a cluster has one tower per worker");
        }

        return new TrainingSettings(
                modelDir,
                trainFile,
                validationFile,
                validationFraction,
                outputDir,
                epochs,
                maxSteps,
                learningRate,
                batchSize,
                seed,
                warmupRatio,
                weightDecay,
                maxGradNorm,
                dropout,
                schedule,
                evalEverySteps,
                metric,
                patience,
                threads,
                mixedPrecision,
                xla,
                overwrite,
                resume,
                accumulation,
                checkpointEverySteps,
                keepCheckpoints,
                prefetch,
                profileStep,
                logEverySteps,
                listener,
                lora,
                adapter,
                devices,
                cluster);
    }

    static int positive(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be positive, got " + n);
        }
        return n;
    }
}
