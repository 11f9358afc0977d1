package dev.hubtune.cli;

import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.Cluster;
import dev.hubtune.finetune.EmbeddingMetrics;
import dev.hubtune.finetune.EmbeddingTrainer;
import dev.hubtune.finetune.FinetuneException;
import dev.hubtune.finetune.LanguageModelMetrics;
import dev.hubtune.finetune.LanguageModelTrainer;
import dev.hubtune.finetune.LearningRateSchedule;
import dev.hubtune.finetune.MultiLabelMetrics;
import dev.hubtune.finetune.MultiLabelTrainer;
import dev.hubtune.finetune.RegressionMetrics;
import dev.hubtune.finetune.RegressionTrainer;
import dev.hubtune.finetune.Seqeval;
import dev.hubtune.finetune.SftTrainer;
import dev.hubtune.finetune.TokenClassificationMetrics;
import dev.hubtune.finetune.TokenClassifierTrainer;
import dev.hubtune.finetune.TrainerBuilder;
import dev.hubtune.finetune.TrainingListener;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.lora.LoraConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hubtune finetune REF --train FILE …}: sequence classification, token classification (NER),
 * multi-label classification, regression, sentence embeddings, causal language modelling or SFT, on
 * the shared training loop.
 */
@Command(
        name = "finetune",
        mixinStandardHelpOptions = true,
        description = {
            "Fine-tune a BERT-family model to classify texts (or text pairs) from a CSV/TSV/JSONL file,"
                    + " then export it (HF format + labels) to OUTPUT/model for hubtune predict and DJL.",
            "With --task token-classification, multi-label, regression or embedding: NER from"
                    + " CoNLL/JSONL, several labels per text, a score per text, or sentence"
                    + " embeddings for semantic search (exported for sentence-transformers).",
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
        token_classification,
        multi_label,
        regression,
        embedding,
        causal_lm,
        sft
    }

    @Option(
            names = "--task",
            defaultValue = "classification",
            paramLabel = "TASK",
            converter = TaskConverter.class,
            description =
                    "classification (default); token-classification or ner (CoNLL, or JSONL with"
                            + " tokens/tags or text/entities); multi-label (--label-column holds"
                            + " a delimited list); regression (a numeric --label-column);"
                            + " embedding (sentence embeddings for search: --text-column anchor,"
                            + " --text-pair-column positive, optional --negative-column, or a"
                            + " --label-column score); causal-lm (plain text); sft (chat"
                            + " conversations, JSONL with messages or prompt/completion; loss on the"
                            + " assistant's tokens).")
    Task task;

    @Option(
            names = "--block-size",
            converter = OptionValues.Positive.class,
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
            converter = OptionValues.OutputDirectory.class,
            required = true,
            paramLabel = "DIR",
            description = "Run directory (metrics, model/).")
    Path output;

    @Option(
            names = "--epochs",
            converter = OptionValues.Positive.class,
            description = "Epochs (default: " + TrainerBuilder.DEFAULT_EPOCHS + ").")
    Integer epochs;

    @Option(
            names = "--max-steps",
            converter = OptionValues.Positive.class,
            description = "Stop after N optimizer steps instead.")
    Integer maxSteps;

    @Option(
            names = "--learning-rate",
            converter = OptionValues.LearningRate.class,
            description =
                    "Peak learning rate (default: "
                            + TrainerBuilder.DEFAULT_LEARNING_RATE
                            + "; "
                            + EmbeddingTrainer.DEFAULT_LEARNING_RATE
                            + " for embedding).")
    Double learningRate;

    @Option(
            names = "--batch-size",
            converter = OptionValues.Positive.class,
            description =
                    "Sequences per micro-batch (default: "
                            + ClassifierTrainer.DEFAULT_BATCH_SIZE
                            + "; "
                            + LanguageModelTrainer.DEFAULT_BATCH_SIZE
                            + " for causal-lm).")
    Integer batchSize;

    @Option(
            names = "--max-length",
            converter = OptionValues.Positive.class,
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
            converter = OptionValues.NonNegative.class,
            defaultValue = "0",
            description = "Also evaluate every N steps.")
    int evalEvery;

    @Option(
            names = "--log-every",
            defaultValue = "" + dev.hubtune.finetune.TrainerBuilder.DEFAULT_LOG_EVERY_STEPS,
            paramLabel = "N",
            description =
                    "Log training loss, learning rate, gradient norm and sequences/s every N"
                            + " optimizer steps to OUTPUT/tensorboard and OUTPUT/metrics.jsonl"
                            + " (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(
            names = "--metric",
            paramLabel = "NAME",
            description =
                    "The metric that picks the best evaluation and drives --patience: loss"
                            + " (default), accuracy or macro_f1; token-classification: f1"
                            + " (default, entity F1), precision, recall, macro_f1, accuracy, loss;"
                            + " multi-label: loss (default), micro_f1, macro_f1, subset_accuracy;"
                            + " regression: loss (default), mse, rmse, pearson, spearman; embedding:"
                            + " primary (default: nDCG@10, or Spearman for scored pairs), mrr@10,"
                            + " ndcg@10, recall@k, spearman, loss; causal-lm: loss, perplexity or"
                            + " accuracy. Ties go to the lower validation loss.")
    String metric;

    @Option(
            names = "--patience",
            converter = OptionValues.NonNegative.class,
            defaultValue = "0",
            description = "Early stopping after N evaluations without improvement.")
    int patience;

    @Option(
            names = "--balance-classes",
            description = "Weight the loss by inverse class frequency.")
    boolean balance;

    @Option(
            names = "--gradient-accumulation",
            converter = OptionValues.Positive.class,
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
            converter = OptionValues.NonNegative.class,
            defaultValue = "0",
            description = "TensorFlow threads (default: all cores).")
    int threads;

    @Option(
            names = "--devices",
            paramLabel = "N",
            description =
                    "Data-parallel on N devices of this machine: one replica per GPU (or per CPU"
                            + " device, which share the cores), each on 1/N of every batch; the"
                            + " batch size and learning rate mean what they mean on one device.")
    Integer devices;

    @Option(
            names = "--cluster",
            paramLabel = "HOST:PORT,...",
            description =
                    "Data-parallel on TensorFlow workers started with `hubtune worker --cluster"
                            + " <the same list> --task N`: one replica per worker, the weights and"
                            + " the update on the first. PRIVATE NETWORKS ONLY: the workers have no"
                            + " authentication.")
    String cluster;

    @Option(
            names = "--mixed-precision",
            description = "Automatic mixed precision on GPUs (no effect on CPUs).")
    boolean mixedPrecision;

    @Option(names = "--xla", description = "Compile the training graph with XLA.")
    boolean xla;

    @Option(
            names = "--profile-step",
            converter = OptionValues.NonNegative.class,
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
            converter = OptionValues.Positive.class,
            paramLabel = "R",
            description = "LoRA rank (default: " + LoraConfig.DEFAULT_RANK + "); implies --lora.")
    Integer loraRank;

    @Option(
            names = "--lora-alpha",
            converter = OptionValues.PositiveNumber.class,
            paramLabel = "A",
            description = "LoRA alpha; the scale is alpha/r (default: 8); implies --lora.")
    Double loraAlpha;

    @Option(
            names = "--lora-rslora",
            description = "Rank-stabilised LoRA: scale alpha/sqrt(r); implies --lora.")
    boolean loraRsLora;

    @Option(
            names = "--lora-dropout",
            converter = OptionValues.Dropout.class,
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

    @Option(
            names = "--stride",
            converter = OptionValues.NonNegative.class,
            paramLabel = "N",
            description =
                    "token-classification: tokens shared by the overlapping windows of a sentence"
                            + " longer than --max-length (default: "
                            + TokenClassifierTrainer.DEFAULT_STRIDE
                            + ").")
    Integer stride;

    @Option(
            names = "--label-all-tokens",
            description =
                    "token-classification: label every sub-token of a word, not only the first.")
    boolean labelAllTokens;

    @Option(
            names = "--strict",
            description =
                    "token-classification: count only entities well-formed under the tag scheme"
                            + " (seqeval's strict mode; default: its default mode).")
    boolean strict;

    @Option(
            names = "--tag-scheme",
            paramLabel = "S",
            description =
                    "token-classification with --strict: IOB1, IOE1, IOB2, IOE2, IOBES or BILOU"
                            + " (default: detected from the tags).")
    String tagScheme;

    @Option(
            names = "--tag-column",
            converter = OptionValues.NonNegative.class,
            paramLabel = "N",
            description =
                    "token-classification, CoNLL: the tag's column, 0 being the word (default:"
                            + " the last).")
    Integer tagColumn;

    @Option(
            names = "--label-delimiter",
            paramLabel = "D",
            description =
                    "multi-label: what separates an example's labels in --label-column (default:"
                            + " '"
                            + MultiLabelTrainer.DEFAULT_DELIMITER
                            + "'; a JSON array works too).")
    String labelDelimiter;

    @Option(
            names = "--threshold",
            converter = OptionValues.OpenUnit.class,
            paramLabel = "P",
            description =
                    "multi-label: the probability above which a label applies (default: "
                            + MultiLabelTrainer.DEFAULT_THRESHOLD
                            + ").")
    Double threshold;

    @Option(
            names = "--normalize-labels",
            description =
                    "regression: learn the targets scaled to zero mean and unit variance (the"
                            + " export folds the scaling back into its last layer).")
    boolean normalizeLabels;

    @Option(
            names = "--negative-column",
            paramLabel = "C",
            description =
                    "embedding: a hard-negative column, making (anchor, positive, negative)"
                            + " triplets.")
    String negativeColumn;

    @Option(
            names = "--symmetric",
            description =
                    "embedding: also rank the anchors for each positive (symmetric"
                            + " multiple-negatives ranking loss).")
    boolean symmetric;

    @Option(
            names = "--scale",
            converter = OptionValues.PositiveNumber.class,
            paramLabel = "S",
            description =
                    "embedding: the ranking loss's similarity scale (default: "
                            + EmbeddingTrainer.DEFAULT_SCALE
                            + ").")
    Double scale;

    @Option(
            names = "--retrieval-set",
            paramLabel = "DIR",
            description =
                    "embedding: evaluate retrieval on a BEIR-layout set (DIR/queries.jsonl,"
                            + " DIR/corpus.jsonl, DIR/qrels.tsv or DIR/qrels/test.tsv) instead of"
                            + " ranking the data's own documents for the validation queries.")
    Path retrievalSet;

    @Override
    public Integer call() throws HubException, FinetuneException {
        refuseOptionsOfOtherTasks();
        ModelDir model = common.hub(common.progress()).pull(ref);
        PrintWriter out = spec.commandLine().getOut();
        TrainingReport<?> report =
                switch (task) {
                    case token_classification -> tokenClassifier(model);
                    case multi_label -> multiLabel(model);
                    case regression -> regression(model);
                    case embedding -> embedding(model);
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
        out.println(
                "report: "
                        + output.resolve("report.html")
                        + "; curves: tensorboard --logdir "
                        + output.resolve("tensorboard"));
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

    private TrainingReport<TokenClassificationMetrics> tokenClassifier(ModelDir model)
            throws FinetuneException {
        if (balance || columns.pair != null || pooling != null || blockSize != null) {
            throw new UserException(
                    "--balance-classes, --pooling, --text-pair-column and --block-size are not"
                            + " token-classification options; drop them for --task"
                            + " token-classification");
        }
        TokenClassifierTrainer.Builder b =
                shared(TokenClassifierTrainer.builder(), model)
                        .optLabelAllTokens(labelAllTokens)
                        .optFreezeEncoder(freeze);
        // JSONL's fields: --text-column names the words, --label-column the tags.
        if (columns.text != null) {
            b.optTokensField(columns.text);
        }
        if (columns.label != null) {
            b.optTagsField(columns.label);
        }
        if (tagColumn != null) {
            b.optTagColumn(tagColumn);
        }
        if (maxLength != null) {
            b.optMaxLength(maxLength);
        }
        if (stride != null) {
            b.optStride(stride);
        }
        if (strict) {
            try {
                b.optStrict(tagScheme == null ? null : Seqeval.Scheme.parse(tagScheme));
            } catch (IllegalArgumentException e) {
                throw new UserException("--tag-scheme: " + e.getMessage());
            }
        } else if (tagScheme != null) {
            throw new UserException("--tag-scheme applies to --strict evaluation; add --strict");
        }
        return b.build().train();
    }

    /**
     * Options only one task reads are refused for the others, naming the task they belong to:
     * silently ignoring them would train something other than what was asked.
     */
    private void refuseOptionsOfOtherTasks() {
        Map<String, Boolean> given = new LinkedHashMap<>();
        Map<String, Task> owner = new LinkedHashMap<>();
        option(given, owner, "--stride", stride != null, Task.token_classification);
        option(given, owner, "--label-all-tokens", labelAllTokens, Task.token_classification);
        option(given, owner, "--strict", strict, Task.token_classification);
        option(given, owner, "--tag-scheme", tagScheme != null, Task.token_classification);
        option(given, owner, "--tag-column", tagColumn != null, Task.token_classification);
        option(given, owner, "--label-delimiter", labelDelimiter != null, Task.multi_label);
        option(given, owner, "--threshold", threshold != null, Task.multi_label);
        option(given, owner, "--normalize-labels", normalizeLabels, Task.regression);
        option(given, owner, "--negative-column", negativeColumn != null, Task.embedding);
        option(given, owner, "--symmetric", symmetric, Task.embedding);
        option(given, owner, "--scale", scale != null, Task.embedding);
        option(given, owner, "--retrieval-set", retrievalSet != null, Task.embedding);
        for (var e : given.entrySet()) {
            if (e.getValue() && owner.get(e.getKey()) != task) {
                throw new UserException(
                        e.getKey()
                                + " is a --task "
                                + owner.get(e.getKey()).name().replace('_', '-')
                                + " option; drop it for --task "
                                + task.name().replace('_', '-'));
            }
        }
    }

    private static void option(
            Map<String, Boolean> given, Map<String, Task> owner, String name, boolean set, Task t) {
        given.put(name, set);
        owner.put(name, t);
    }

    private TrainingReport<MultiLabelMetrics> multiLabel(ModelDir model) throws FinetuneException {
        if (balance || pooling != null || blockSize != null) {
            throw new UserException(
                    "--balance-classes, --pooling and --block-size are not multi-label options");
        }
        MultiLabelTrainer.Builder b =
                shared(MultiLabelTrainer.builder(), model)
                        .setTextColumn(columns.text())
                        .setLabelColumn(columns.label())
                        .optFreezeEncoder(freeze);
        if (columns.pair != null) {
            b.optTextPairColumn(columns.pair);
        }
        if (maxLength != null) {
            b.optMaxLength(maxLength);
        }
        if (labelDelimiter != null) {
            b.optDelimiter(labelDelimiter);
        }
        if (threshold != null) {
            try {
                b.optThreshold(threshold);
            } catch (IllegalArgumentException e) {
                throw new UserException("--threshold: " + e.getMessage());
            }
        }
        return b.build().train();
    }

    private TrainingReport<RegressionMetrics> regression(ModelDir model) throws FinetuneException {
        if (balance || pooling != null || blockSize != null) {
            throw new UserException(
                    "--balance-classes, --pooling and --block-size are not regression options");
        }
        RegressionTrainer.Builder b =
                shared(RegressionTrainer.builder(), model)
                        .setTextColumn(columns.text())
                        .setLabelColumn(columns.label())
                        .optNormalizeLabels(normalizeLabels)
                        .optFreezeEncoder(freeze);
        if (columns.pair != null) {
            b.optTextPairColumn(columns.pair);
        }
        if (maxLength != null) {
            b.optMaxLength(maxLength);
        }
        return b.build().train();
    }

    private TrainingReport<EmbeddingMetrics> embedding(ModelDir model) throws FinetuneException {
        if (balance || freeze || blockSize != null) {
            throw new UserException(
                    "--balance-classes, --freeze-encoder and --block-size are not embedding"
                            + " options");
        }
        // --text-column is the anchor (query), --text-pair-column the positive (document),
        // --label-column a similarity score (scored pairs)
        EmbeddingTrainer.Builder b =
                shared(EmbeddingTrainer.builder(), model).optSymmetric(symmetric);
        if (columns.text != null) {
            b.setAnchorColumn(columns.text);
        }
        if (columns.pair != null) {
            b.setPositiveColumn(columns.pair);
        }
        if (columns.label != null) {
            b.optScoreColumn(columns.label);
        }
        if (negativeColumn != null) {
            b.optNegativeColumn(negativeColumn);
        }
        if (scale != null) {
            try {
                b.optScale(scale);
            } catch (IllegalArgumentException e) {
                throw new UserException("--scale: " + e.getMessage());
            }
        }
        if (maxLength != null) {
            b.optMaxLength(maxLength);
        }
        if (pooling != null) {
            b.optPooling(pooling);
        }
        if (retrievalSet != null) {
            // BEIR ships its judgements as qrels/test.tsv; a set of one's own may be flat
            Path qrels = retrievalSet.resolve("qrels.tsv");
            if (!java.nio.file.Files.exists(qrels)) {
                qrels = retrievalSet.resolve("qrels").resolve("test.tsv");
            }
            b.optRetrievalBenchmark(
                    dev.hubtune.finetune.RetrievalBenchmark.read(
                            retrievalSet.resolve("queries.jsonl"),
                            retrievalSet.resolve("corpus.jsonl"),
                            qrels));
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
        if (devices != null) {
            if (devices < 1) {
                throw new UserException("--devices must be 1 or more, got " + devices);
            }
            if (cluster != null) {
                throw new UserException(
                        "--devices and --cluster exclude each other: a cluster has one replica per"
                                + " worker");
            }
            b.optDevices(devices);
        }
        if (cluster != null) {
            try {
                b.optCluster(Cluster.parse(cluster));
            } catch (IllegalArgumentException e) {
                throw new UserException("--cluster: " + e.getMessage());
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
        try {
            b.optLogEverySteps(logEvery);
        } catch (IllegalArgumentException e) {
            throw new UserException("--log-every: " + e.getMessage());
        }
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

    /**
     * Accepts causal-lm (and causal_lm) for {@link Task#causal_lm}, ner for {@link
     * Task#token_classification}, and the other task names.
     */
    static final class TaskConverter implements picocli.CommandLine.ITypeConverter<Task> {
        @Override
        public Task convert(String value) {
            if (value.equals("ner")) {
                return Task.token_classification;
            }
            for (Task t : Task.values()) {
                if (t.name().equals(value.replace('-', '_'))) {
                    return t;
                }
            }
            throw new picocli.CommandLine.TypeConversionException(
                    "unknown task '"
                            + value
                            + "'; use classification, token-classification (or ner), multi-label,"
                            + " regression,"
                            + " embedding, causal-lm (plain text) or sft (chat conversations)");
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
