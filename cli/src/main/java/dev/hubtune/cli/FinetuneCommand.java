package dev.hubtune.cli;

import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.FinetuneException;
import dev.hubtune.finetune.LanguageModelMetrics;
import dev.hubtune.finetune.LanguageModelTrainer;
import dev.hubtune.finetune.LearningRateSchedule;
import dev.hubtune.finetune.SftTrainer;
import dev.hubtune.finetune.TrainerBuilder;
import dev.hubtune.finetune.TrainingListener;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.lora.LoraConfig;
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
        causal_lm,
        sft
    }

    @Option(
            names = "--task",
            defaultValue = "classification",
            paramLabel = "TASK",
            converter = TaskConverter.class,
            description =
                    "classification (default), causal-lm (plain text) or sft (chat conversations,"
                            + " JSONL with messages or prompt/completion; loss on the assistant's"
                            + " tokens).")
    Task task;

    @Option(
            names = "--block-size",
            paramLabel = "N",
            description =
                    "causal-lm: tokens per training block (default: "
                            + LanguageModelTrainer.DEFAULT_BLOCK_SIZE
                            + ").")
    Integer blockSize;

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
            description = "Epochs (default: " + TrainerBuilder.DEFAULT_EPOCHS + ").")
    Integer epochs;

    @Option(names = "--max-steps", description = "Stop after N optimizer steps instead.")
    Integer maxSteps;

    @Option(
            names = "--learning-rate",
            description =
                    "Peak learning rate (default: " + TrainerBuilder.DEFAULT_LEARNING_RATE + ").")
    Double learningRate;

    @Option(
            names = "--batch-size",
            description =
                    "Sequences per micro-batch (default: "
                            + ClassifierTrainer.DEFAULT_BATCH_SIZE
                            + "; "
                            + LanguageModelTrainer.DEFAULT_BATCH_SIZE
                            + " for causal-lm).")
    Integer batchSize;

    @Option(
            names = "--max-length",
            description =
                    "Tokens per sequence (default: "
                            + ClassifierTrainer.DEFAULT_MAX_LENGTH
                            + ", at most the model's positions).")
    Integer maxLength;

    @Option(
            names = "--seed",
            description =
                    "Seed of split, shuffling, dropout, head init (default: "
                            + TrainerBuilder.DEFAULT_SEED
                            + ").")
    Long seed;

    @Option(
            names = "--schedule",
            description = "CONSTANT, LINEAR or COSINE after warm-up (default: LINEAR).")
    LearningRateSchedule.Kind schedule;

    @Option(
            names = "--eval-every",
            defaultValue = "0",
            description = "Also evaluate every N steps.")
    int evalEvery;

    @Option(
            names = "--metric",
            paramLabel = "NAME",
            description =
                    "The metric that picks the best evaluation and drives --patience: loss"
                            + " (default), accuracy or macro_f1; causal-lm: loss, perplexity or"
                            + " accuracy. Ties go to the lower validation loss.")
    String metric;

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
            description = "Micro-batches per optimizer step (default: 1, none).")
    Integer accumulation;

    @Option(names = "--freeze-encoder", description = "Train only the classification head.")
    boolean freeze;

    @Option(
            names = "--pooling",
            paramLabel = "P",
            description =
                    "Classification head input: POOLER (default: the family's own head, as"
                            + " transformers' *ForSequenceClassification, so the export loads"
                            + " there), MEAN or CLS (sentence embeddings).")
    Pooling pooling;

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

    @Option(
            names = "--lora",
            description =
                    "Train LoRA adapters (PEFT's) instead of every weight: the base is frozen, the"
                            + " task's head trains in full. Writes OUTPUT/adapter (a PEFT adapter"
                            + " directory) and OUTPUT/model (the adapters merged in).")
    boolean lora;

    @Option(
            names = "--lora-r",
            paramLabel = "R",
            description = "LoRA rank (default: " + LoraConfig.DEFAULT_RANK + "); implies --lora.")
    Integer loraRank;

    @Option(
            names = "--lora-alpha",
            paramLabel = "A",
            description = "LoRA alpha; the scale is alpha/r (default: 8); implies --lora.")
    Double loraAlpha;

    @Option(
            names = "--lora-rslora",
            description = "Rank-stabilised LoRA: scale alpha/sqrt(r); implies --lora.")
    boolean loraRsLora;

    @Option(
            names = "--lora-dropout",
            paramLabel = "P",
            description = "Dropout on the adapters' input (default: 0); implies --lora.")
    Double loraDropout;

    @Option(
            names = "--lora-target-modules",
            paramLabel = "NAMES",
            split = ",",
            description =
                    "Linear layers to adapt by HF module name, e.g. query,value or q_proj,v_proj"
                            + " (default: PEFT's for the model type); implies --lora.")
    java.util.List<String> loraTargets;

    @Option(
            names = "--lora-modules-to-save",
            paramLabel = "NAMES",
            split = ",",
            description =
                    "Modules trained in full and saved with the adapters (default: the task's"
                            + " head, e.g. pooler,classifier); implies --lora.")
    java.util.List<String> loraModulesToSave;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description =
                    "Continue training this PEFT LoRA adapter (hubtune's or PEFT's, for this base"
                            + " model) with its own settings.")
    Path adapter;

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
                switch (task) {
                    case causal_lm -> languageModel(model);
                    case sft -> sft(model);
                    default -> classifier(model);
                };
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
        out.printf(
                Locale.ROOT,
                "trainable params: %,d of %,d (%.3f%%)%s%n",
                report.trainableParameters(),
                report.totalParameters(),
                100.0 * report.trainableParameters() / Math.max(1, report.totalParameters()),
                report.adapter() == null ? "" : "; LoRA adapter (PEFT): " + report.adapter());
        out.println(report.exported());
        return Hubtune.EXIT_OK;
    }

    private TrainingReport<ClassificationMetrics> classifier(ModelDir model)
            throws FinetuneException {
        ClassifierTrainer.Builder b =
                shared(ClassifierTrainer.builder(), model)
                        .setTextColumn(columns.text())
                        .setLabelColumn(columns.label())
                        .optBalanceClasses(balance)
                        .optFreezeEncoder(freeze);
        if (columns.pair != null) {
            b.optTextPairColumn(columns.pair);
        }
        if (maxLength != null) {
            b.optMaxLength(maxLength);
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
        LanguageModelTrainer.Builder b = shared(LanguageModelTrainer.builder(), model);
        if (columns.text != null) {
            b.optTextField(columns.text);
        }
        if (blockSize != null) {
            b.optBlockSize(blockSize);
        }
        if (samplePrompts != null) {
            b.optSamplePrompts(samplePrompts);
        }
        return b.build().train();
    }

    private TrainingReport<LanguageModelMetrics> sft(ModelDir model) throws FinetuneException {
        if (balance || freeze || columns.pair != null || pooling != null || blockSize != null) {
            throw new UserException(
                    "--balance-classes, --freeze-encoder, --pooling, --text-pair-column and"
                            + " --block-size are not SFT options; drop them for --task sft");
        }
        SftTrainer.Builder b = shared(SftTrainer.builder(), model);
        if (maxLength != null) {
            b.optMaxLength(maxLength);
        }
        return b.build().train();
    }

    /** The options every task shares. */
    private <B extends TrainerBuilder<B>> B shared(B b, ModelDir model) {
        // Options not given keep the library's defaults: the CLI has none of its own.
        b.setModelDir(model.path()).setTrainFile(train).setOutputDir(output);
        if (epochs != null) {
            b.optEpochs(epochs);
        }
        if (learningRate != null) {
            b.optLearningRate(learningRate);
        }
        if (batchSize != null) {
            b.optBatchSize(batchSize);
        }
        if (seed != null) {
            b.optSeed(seed);
        }
        if (schedule != null) {
            b.optSchedule(schedule);
        }
        if (accumulation != null) {
            b.optGradientAccumulation(accumulation);
        }
        if (metric != null) {
            try {
                b.optMetric(metric);
            } catch (IllegalArgumentException e) {
                throw new UserException("--metric: " + e.getMessage());
            }
        }
        b.optEvalEverySteps(evalEvery)
                .optPatience(patience)
                .optThreads(threads)
                .optOverwrite(overwrite)
                .optResume(resume)
                .optMixedPrecision(mixedPrecision)
                .optXla(xla)
                .optProfileStep(profileStep);
        if (validation != null) {
            b.optValidationFile(validation);
        }
        if (maxSteps != null) {
            b.optMaxSteps(maxSteps);
        }
        LoraConfig loraConfig = loraConfig();
        if (loraConfig != null) {
            b.optLora(loraConfig);
        }
        if (adapter != null) {
            b.optAdapter(adapter);
        }
        if (!common.quiet && !common.json) {
            b.optListener(
                    new TrainingProgress(spec.commandLine().getErr(), System.console() != null));
        }
        return b;
    }

    /** The LoRA settings asked for (any --lora… option), or null for full fine-tuning. */
    private LoraConfig loraConfig() {
        boolean any =
                lora
                        || loraRank != null
                        || loraAlpha != null
                        || loraRsLora
                        || loraDropout != null
                        || loraTargets != null
                        || loraModulesToSave != null;
        if (!any) {
            return null;
        }
        LoraConfig.Builder c = LoraConfig.builder().optRsLora(loraRsLora);
        if (loraRank != null) {
            c.optRank(loraRank);
        }
        if (loraAlpha != null) {
            c.optAlpha(loraAlpha);
        }
        if (loraDropout != null) {
            c.optDropout(loraDropout);
        }
        if (loraTargets != null) {
            c.optTargetModules(loraTargets);
        }
        if (loraModulesToSave != null) {
            c.optModulesToSave(loraModulesToSave);
        }
        try {
            return c.build();
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** Accepts causal-lm (and causal_lm) for {@link Task#causal_lm}, and the other task names. */
    static final class TaskConverter implements picocli.CommandLine.ITypeConverter<Task> {
        @Override
        public Task convert(String value) {
            for (Task t : Task.values()) {
                if (t.name().equals(value.replace('-', '_'))) {
                    return t;
                }
            }
            throw new picocli.CommandLine.TypeConversionException(
                    "unknown task '"
                            + value
                            + "'; use classification or causal-lm (plain text), or sft (chat"
                            + " conversations)");
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
        public void parameters(long trainable, long total, boolean lora) {
            err.printf(
                    Locale.ROOT,
                    "%s: trainable params %,d of %,d (%.3f%%)%n",
                    lora ? "LoRA" : "full fine-tuning",
                    trainable,
                    total,
                    100.0 * trainable / Math.max(1, total));
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
