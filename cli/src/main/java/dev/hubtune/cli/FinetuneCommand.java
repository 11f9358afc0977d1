package dev.hubtune.cli;

import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.FinetuneException;
import dev.hubtune.finetune.LanguageModelMetrics;
import dev.hubtune.finetune.LanguageModelTrainer;
import dev.hubtune.finetune.LearningRateSchedule;
import dev.hubtune.finetune.TrainerBuilder;
import dev.hubtune.finetune.TrainingListener;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.bert.ClassificationHead;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hubtune finetune REF --train FILE …}: sequence classification, or with {@code --task
 * causal-lm} GPT-2 language modelling, on the shared training loop.
 */
@Command(
        name = "finetune",
        mixinStandardHelpOptions = true,
        description = {
            "Fine-tune a BERT-family model to classify texts (or text pairs) from a CSV/TSV/JSONL file,"
                    + " then export it (HF format + labels) to OUTPUT/model for hubtune predict and DJL.",
            "With --task causal-lm: train a GPT-2 on a corpus (.txt with blank-line separated"
                    + " documents, .jsonl, .csv) and export it to OUTPUT/model for hubtune generate."
        })
final class FinetuneCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Mixin DatasetColumns columns;

    @Parameters(
            index = "0",
            paramLabel = "REF",
            description = "The pretrained model, e.g. all-minilm-l6-v2.")
    String ref;

    /** What the model learns. */
    enum Task {
        classification,
        causal_lm
    }

    @Option(
            names = "--task",
            defaultValue = "classification",
            paramLabel = "TASK",
            converter = TaskConverter.class,
            description = "classification (default) or causal-lm.")
    Task task;

    @Option(
            names = "--block-size",
            defaultValue = "128",
            paramLabel = "N",
            description = "causal-lm: tokens per training block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(
            names = "--sample-prompt",
            paramLabel = "TEXT",
            description =
                    "causal-lm: a prompt continued at each evaluation (repeatable; default: the"
                            + " starts of validation blocks).")
    java.util.List<String> samplePrompts;

    @Option(
            names = "--train",
            required = true,
            paramLabel = "FILE",
            description = "Training data (.csv, .tsv, .jsonl; .txt for causal-lm).")
    Path train;

    @Option(
            names = "--validation",
            paramLabel = "FILE",
            description = "Validation data (default: a seeded 20%% of --train).")
    Path validation;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "DIR",
            description = "Run directory (metrics, model/).")
    Path output;

    @Option(
            names = "--epochs",
            defaultValue = "3",
            description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--max-steps", description = "Stop after N optimizer steps instead.")
    Integer maxSteps;

    @Option(
            names = "--learning-rate",
            defaultValue = "5e-5",
            description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(
            names = "--batch-size",
            description = "Sequences per micro-batch (default: 16; 8 for causal-lm).")
    Integer batchSize;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description =
                    "Seed of split, shuffling, dropout, head init (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--schedule",
            defaultValue = "LINEAR",
            description = "CONSTANT, LINEAR or COSINE after warm-up (default: ${DEFAULT-VALUE}).")
    LearningRateSchedule.Kind schedule;

    @Option(
            names = "--eval-every",
            defaultValue = "0",
            description = "Also evaluate every N steps.")
    int evalEvery;

    @Option(
            names = "--patience",
            defaultValue = "0",
            description = "Early stopping after N evaluations without improvement.")
    int patience;

    @Option(
            names = "--balance-classes",
            description = "Weight the loss by inverse class frequency.")
    boolean balance;

    @Option(
            names = "--gradient-accumulation",
            defaultValue = "1",
            description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int accumulation;

    @Option(names = "--freeze-encoder", description = "Train only the classification head.")
    boolean freeze;

    @Option(
            names = "--pooling",
            paramLabel = "P",
            description =
                    "Classification head input: POOLER (HF's BertForSequenceClassification) or MEAN"
                            + " (sentence embedding). Default: POOLER when the model has a trained"
                            + " pooler, MEAN for sentence-transformers models.")
    ClassificationHead.Pooling pooling;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "TensorFlow threads (default: all cores).")
    int threads;

    @Option(
            names = "--mixed-precision",
            description = "Automatic mixed precision on GPUs (no effect on CPUs).")
    boolean mixedPrecision;

    @Option(names = "--xla", description = "Compile the training graph with XLA.")
    boolean xla;

    @Option(
            names = "--profile-step",
            defaultValue = "0",
            paramLabel = "N",
            description =
                    "Trace optimizer step N and write where its time went to OUTPUT/profile.txt.")
    int profileStep;

    @Option(names = "--overwrite", description = "Replace a model already in --output.")
    boolean overwrite;

    @Option(
            names = "--resume",
            description =
                    "Continue the run in --output from its last checkpoint (e.g. after a crash).")
    boolean resume;

    @Override
    public Integer call() throws HubException, FinetuneException {
        ModelDir model = common.hub(common.progress()).pull(ref);
        PrintWriter out = spec.commandLine().getOut();
        TrainingReport<?> report =
                task == Task.causal_lm ? languageModel(model) : classifier(model);
        if (common.json) {
            out.println(Json.GSON.toJson(report));
            return Hubtune.EXIT_OK;
        }
        out.printf(
                Locale.ROOT,
                "best: step %d, %s; %d steps in %.1f s (%.1f sequences/s, %.0f tokens/s)%n",
                report.best().step(),
                report.best().metrics().summary(),
                report.steps(),
                report.seconds(),
                report.examplesPerSecond(),
                report.tokensPerSecond());
        out.println(report.exported());
        return Hubtune.EXIT_OK;
    }

    private TrainingReport<ClassificationMetrics> classifier(ModelDir model)
            throws FinetuneException {
        ClassifierTrainer.Builder b =
                shared(ClassifierTrainer.builder(), model, 16)
                        .setTextColumn(columns.text)
                        .setLabelColumn(columns.label)
                        .optMaxLength(maxLength)
                        .optBalanceClasses(balance)
                        .optFreezeEncoder(freeze);
        if (columns.pair != null) {
            b.optTextPairColumn(columns.pair);
        }
        if (pooling != null) {
            b.optPooling(pooling);
        }
        return b.build().train();
    }

    private TrainingReport<LanguageModelMetrics> languageModel(ModelDir model)
            throws FinetuneException {
        if (balance || freeze || columns.pair != null || pooling != null) {
            throw new UserException(
                    "--balance-classes, --freeze-encoder, --pooling and --text-pair-column are"
                            + " classification options; drop them for --task causal-lm");
        }
        LanguageModelTrainer.Builder b =
                shared(LanguageModelTrainer.builder(), model, 8)
                        .optTextField(columns.text)
                        .optBlockSize(blockSize);
        if (samplePrompts != null) {
            b.optSamplePrompts(samplePrompts);
        }
        return b.build().train();
    }

    /** The options every task shares. */
    private <B extends TrainerBuilder<B>> B shared(B b, ModelDir model, int defaultBatch) {
        b.setModelDir(model.path())
                .setTrainFile(train)
                .setOutputDir(output)
                .optEpochs(epochs)
                .optLearningRate(learningRate)
                .optBatchSize(batchSize != null ? batchSize : defaultBatch)
                .optSeed(seed)
                .optSchedule(schedule)
                .optEvalEverySteps(evalEvery)
                .optPatience(patience)
                .optThreads(threads)
                .optOverwrite(overwrite)
                .optResume(resume)
                .optGradientAccumulation(accumulation)
                .optMixedPrecision(mixedPrecision)
                .optXla(xla)
                .optProfileStep(profileStep);
        if (validation != null) {
            b.optValidationFile(validation);
        }
        if (maxSteps != null) {
            b.optMaxSteps(maxSteps);
        }
        if (!common.quiet && !common.json) {
            b.optListener(
                    new TrainingProgress(spec.commandLine().getErr(), System.console() != null));
        }
        return b;
    }

    /** Accepts causal-lm (and causal_lm) for {@link Task#causal_lm}. */
    static final class TaskConverter implements picocli.CommandLine.ITypeConverter<Task> {
        @Override
        public Task convert(String value) {
            for (Task t : Task.values()) {
                if (t.name().equals(value.replace('-', '_'))) {
                    return t;
                }
            }
            throw new picocli.CommandLine.TypeConversionException(
                    "unknown task '" + value + "'; use classification or causal-lm");
        }
    }

    /** One redrawn progress line on a terminal; a line per evaluation otherwise. */
    static final class TrainingProgress implements TrainingListener {
        private final PrintWriter err;
        private final boolean terminal;
        private long lastDraw;

        TrainingProgress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void step(int step, int total, double loss, double lr, double elapsed) {
            long now = System.nanoTime();
            if (!terminal || (now - lastDraw < 200_000_000L && step != total)) {
                return;
            }
            lastDraw = now;
            double rate = step / Math.max(1e-9, elapsed);
            int filled = 30 * step / total;
            err.printf(
                    Locale.ROOT,
                    "\r[%s%s] step %d/%d  loss %.4f  lr %.2e  %.1f steps/s  ETA %.0fs\u001b[K",
                    "#".repeat(filled),
                    " ".repeat(30 - filled),
                    step,
                    total,
                    loss,
                    lr,
                    rate,
                    (total - step) / Math.max(1e-9, rate));
            if (step == total) {
                err.println();
            }
            err.flush();
        }

        @Override
        public void evaluated(TrainingReport.Evaluation<?> ev) {
            if (terminal) {
                err.print("\r\u001b[K");
            }
            err.printf(
                    Locale.ROOT,
                    "epoch %d step %d: train loss %.4f, %s%n",
                    ev.epoch(),
                    ev.step(),
                    ev.trainLoss(),
                    ev.metrics().summary());
            if (ev.metrics() instanceof LanguageModelMetrics lm) {
                for (LanguageModelMetrics.Sample sample : lm.samples()) {
                    err.printf(Locale.ROOT, "  %s|%s%n", sample.prompt(), sample.continuation());
                }
            }
            err.flush();
        }
    }
}
