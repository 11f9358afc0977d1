package dev.hubtune.finetune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Fine-tunes an encoder of any supported family for multi-label classification (any number of
 * labels per text or text pair) on the shared {@link TrainingLoop}: labels as a delimited list in
 * one column, a sigmoid per label with binary cross-entropy, a threshold per label, micro/macro-F1
 * and subset accuracy, and export as transformers' {@code *ForSequenceClassification} with {@code
 * problem_type: multi_label_classification} and the thresholds.
 *
 * <pre>{@code
 * MultiLabelTrainer.builder().setModelDir(bert).setTrainFile(csv).setTextColumn("text")
 *         .setLabelColumn("topics").setOutputDir(out).build().train();
 * }</pre>
 */
public final class MultiLabelTrainer {

    /** Texts per micro-batch. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    /** The metric that picks the best evaluation: validation loss, as HF Trainer's default. */
    public static final String DEFAULT_METRIC = "loss";

    /** Tokens per text (clamped to the model's positions). */
    public static final int DEFAULT_MAX_LENGTH = 128;

    /** The probability above which a label applies. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    /** What separates the labels of one example in the label column. */
    public static final String DEFAULT_DELIMITER = ",";

    private final TrainingSettings settings;
    private final MultiLabelTask.Options options;

    private MultiLabelTrainer(TrainingSettings settings, MultiLabelTask.Options options) {
        this.settings = settings;
        this.options = options;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Runs the whole fine-tuning; the model is exported to {@code <output>/model}. */
    public TrainingReport<MultiLabelMetrics> train() throws FinetuneException {
        return TrainingLoop.train(settings, () -> MultiLabelTask.prepare(settings, options));
    }

    /**
     * Builder of a {@link MultiLabelTrainer}; the shared settings are in {@link TrainerBuilder}.
     */
    public static final class Builder extends TrainerBuilder<Builder> {
        private String textColumn;
        private String pairColumn;
        private String labelColumn;
        private String delimiter = DEFAULT_DELIMITER;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private double threshold = DEFAULT_THRESHOLD;
        private final Map<String, Double> thresholds = new LinkedHashMap<>();
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
            return MultiLabelMetrics.names();
        }

        /** The text column (required). */
        public Builder setTextColumn(String column) {
            this.textColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The column of each example's labels (required), e.g. {@code sports,politics}. */
        public Builder setLabelColumn(String column) {
            this.labelColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The second text of pair tasks. */
        public Builder optTextPairColumn(String column) {
            this.pairColumn = Objects.requireNonNull(column);
            return this;
        }

        /** What separates labels in the label column (default {@value #DEFAULT_DELIMITER}). */
        public Builder optDelimiter(String delimiter) {
            if (delimiter.isEmpty()) {
                throw new IllegalArgumentException("the label delimiter must not be empty");
            }
            this.delimiter = delimiter;
            return this;
        }

        /** Tokens per text (default {@value #DEFAULT_MAX_LENGTH}). */
        public Builder optMaxLength(int n) {
            this.maxLength = positive(n, "max length");
            return this;
        }

        /** The probability above which a label applies (default {@value #DEFAULT_THRESHOLD}). */
        public Builder optThreshold(double threshold) {
            this.threshold = probability(threshold);
            return this;
        }

        /** Label {@code label}'s own threshold. */
        public Builder optThreshold(String label, double threshold) {
            this.thresholds.put(Objects.requireNonNull(label), probability(threshold));
            return this;
        }

        private static double probability(double t) {
            if (!(t > 0 && t < 1)) {
                throw new IllegalArgumentException("a threshold must be in (0, 1), got " + t);
            }
            return t;
        }

        /** Train only the classification head. */
        public Builder optFreezeEncoder(boolean freeze) {
            this.freezeEncoder = freeze;
            return this;
        }

        /** Validates and builds. */
        public MultiLabelTrainer build() {
            String required =
                    "setModelDir, setTrainFile, setTextColumn, setLabelColumn and setOutputDir are"
                            + " required";
            if (textColumn == null || labelColumn == null) {
                throw new IllegalStateException(required);
            }
            return new MultiLabelTrainer(
                    settings(required),
                    new MultiLabelTask.Options(
                            textColumn,
                            pairColumn,
                            labelColumn,
                            delimiter,
                            maxLength,
                            threshold,
                            Map.copyOf(thresholds),
                            freezeEncoder));
        }
    }
}
