package dev.hubtune.finetune;

import java.util.List;
import java.util.Objects;

/**
 * Fine-tunes an encoder of any supported family to predict a number from a text or text pair
 * (ratings, similarity scores, readability) on the shared {@link TrainingLoop}: a numeric label
 * column, optionally normalised, mean squared error, RMSE and Pearson/Spearman correlations, and
 * export as transformers' {@code *ForSequenceClassification} with {@code num_labels: 1} and {@code
 * problem_type: regression}.
 *
 * <pre>{@code
 * RegressionTrainer.builder().setModelDir(bert).setTrainFile(csv).setTextColumn("review")
 *         .setLabelColumn("stars").setOutputDir(out).optNormalizeLabels(true).build().train();
 * }</pre>
 */
public final class RegressionTrainer {

    /** Texts per micro-batch. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    /** The metric that picks the best evaluation: validation loss (MSE), HF Trainer's default. */
    public static final String DEFAULT_METRIC = "loss";

    /** Tokens per text (clamped to the model's positions). */
    public static final int DEFAULT_MAX_LENGTH = 128;

    private final TrainingSettings settings;
    private final RegressionTask.Options options;

    private RegressionTrainer(TrainingSettings settings, RegressionTask.Options options) {
        this.settings = settings;
        this.options = options;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Runs the whole fine-tuning; the model is exported to {@code <output>/model}. */
    public TrainingReport<RegressionMetrics> train() throws FinetuneException {
        return TrainingLoop.train(settings, () -> RegressionTask.prepare(settings, options));
    }

    /**
     * Builder of a {@link RegressionTrainer}; the shared settings are in {@link TrainerBuilder}.
     */
    public static final class Builder extends TrainerBuilder<Builder> {
        private String textColumn;
        private String pairColumn;
        private String labelColumn;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private boolean normalize;
        private boolean freezeEncoder;

        Builder() {
            super(DEFAULT_METRIC, DEFAULT_BATCH_SIZE);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected List<String> metricNames() {
            return RegressionMetrics.names();
        }

        /** The text column (required). */
        public Builder setTextColumn(String column) {
            this.textColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The numeric column (required). */
        public Builder setLabelColumn(String column) {
            this.labelColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The second text of pair tasks. */
        public Builder optTextPairColumn(String column) {
            this.pairColumn = Objects.requireNonNull(column);
            return this;
        }

        /** Tokens per text (default {@value #DEFAULT_MAX_LENGTH}). */
        public Builder optMaxLength(int n) {
            this.maxLength = positive(n, "max length");
            return this;
        }

        /**
         * Learn the targets normalised to zero mean and unit variance over the training set (for
         * targets far from the unit scale, e.g. prices); the export records the mean and scale and
         * {@code hubtune predict} undoes them (default false).
         */
        public Builder optNormalizeLabels(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /** Train only the regression head. */
        public Builder optFreezeEncoder(boolean freeze) {
            this.freezeEncoder = freeze;
            return this;
        }

        /** Validates and builds. */
        public RegressionTrainer build() {
            String required =
                    "setModelDir, setTrainFile, setTextColumn, setLabelColumn and setOutputDir are"
                            + " required";
            if (textColumn == null || labelColumn == null) {
                throw new IllegalStateException(required);
            }
            return new RegressionTrainer(
                    settings(required),
                    new RegressionTask.Options(
                            textColumn,
                            pairColumn,
                            labelColumn,
                            maxLength,
                            normalize,
                            freezeEncoder));
        }
    }
}
