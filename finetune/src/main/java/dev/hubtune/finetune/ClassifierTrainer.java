package dev.hubtune.finetune;

import dev.hubtune.models.family.Pooling;
import java.util.List;
import java.util.Objects;

/**
 * Fine-tunes an encoder of any supported family for sequence classification (single texts or pairs)
 * on the shared {@link TrainingLoop}: the training graph (dropout on) with a classification head,
 * AdamW, a warm-up schedule, clipping, length-bucketed batches, evaluation with
 * accuracy/macro-F1/per-class metrics, early stopping, resumable checkpoints, metrics as JSONL, and
 * export of the best weights in HF format with the labels.
 *
 * <pre>{@code
 * TrainingReport<ClassificationMetrics> report = ClassifierTrainer.builder()
 *         .setModelDir(pretrained).setTrainFile(csv).setTextColumn("text").setLabelColumn("label")
 *         .setOutputDir(out).optEpochs(3).build().train();
 * }</pre>
 */
public final class ClassifierTrainer {

    /** Sequences per micro-batch. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    /**
     * The metric that picks the best evaluation: validation loss, as HF Trainer's {@code
     * metric_for_best_model} default ({@code accuracy} and {@code macro_f1} on request).
     */
    public static final String DEFAULT_METRIC = "loss";

    /** Tokens per sequence (clamped to the model's positions). */
    public static final int DEFAULT_MAX_LENGTH = 128;

    private final TrainingSettings settings;
    private final ClassificationTask.Options options;

    private ClassifierTrainer(TrainingSettings settings, ClassificationTask.Options options) {
        this.settings = settings;
        this.options = options;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the whole fine-tuning and returns what happened; the model is exported to {@code
     * <output>/model}.
     */
    public TrainingReport<ClassificationMetrics> train() throws FinetuneException {
        return TrainingLoop.train(settings, () -> ClassificationTask.prepare(settings, options));
    }

    /**
     * Builder of a {@link ClassifierTrainer}; the shared settings are in {@link TrainerBuilder}.
     */
    public static final class Builder extends TrainerBuilder<Builder> {
        private String textColumn;
        private String pairColumn;
        private String labelColumn;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private boolean balanceClasses;
        private boolean freezeEncoder;
        private Pooling pooling;
        private Distillation distillation;

        Builder() {
            super(DEFAULT_METRIC, DEFAULT_BATCH_SIZE);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected List<String> metricNames() {
            return ClassificationMetrics.names();
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

        /** The second text of pair tasks. */
        public Builder optTextPairColumn(String column) {
            this.pairColumn = Objects.requireNonNull(column);
            return this;
        }

        /** Tokens per sequence (default {@value #DEFAULT_MAX_LENGTH}). */
        public Builder optMaxLength(int n) {
            this.maxLength = positive(n, "max length");
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

        /**
         * The head's pooling (default {@link Pooling#POOLER}: the family's own head, as
         * transformers' {@code *ForSequenceClassification}, so the export loads there unchanged).
         */
        public Builder optPooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling);
            return this;
        }

        /**
         * Learn from a teacher classifier as well as (or instead of) the labels: see {@link
         * Distillation}. The student classifies into the teacher's labels.
         */
        public Builder optDistillation(Distillation distillation) {
            this.distillation = Objects.requireNonNull(distillation);
            return this;
        }

        /** Validates and builds. */
        public ClassifierTrainer build() {
            String required =
                    "setModelDir, setTrainFile, setTextColumn, setLabelColumn and setOutputDir are"
                            + " required";
            if (textColumn == null || labelColumn == null) {
                throw new IllegalStateException(required);
            }
            return new ClassifierTrainer(
                    settings(required),
                    new ClassificationTask.Options(
                            textColumn,
                            pairColumn,
                            labelColumn,
                            maxLength,
                            balanceClasses,
                            freezeEncoder,
                            pooling,
                            distillation));
        }
    }
}
