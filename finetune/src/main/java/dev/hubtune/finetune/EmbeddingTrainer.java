package dev.hubtune.finetune;

import dev.hubtune.models.family.Pooling;
import java.util.List;
import java.util.Objects;

/**
 * Fine-tunes an encoder of any supported family into a sentence-embedding model for semantic search
 * (the retrieval step of RAG) on the shared {@link TrainingLoop}, as sentence-transformers does:
 * (anchor, positive) pairs or (anchor, positive, negative) triplets with the multiple-negatives
 * ranking loss (in-batch negatives, scale 20, optionally symmetric), or scored pairs with the
 * cosine similarity loss; evaluation by recall@k, MRR@10 and nDCG@10 of the validation queries
 * against every document of the data (Spearman for scored pairs); export as a sentence-transformers
 * directory that {@code hubtune embed}, DJL and {@code SentenceTransformer(dir)} load.
 *
 * <pre>{@code
 * EmbeddingTrainer.builder().setModelDir(miniLm).setTrainFile(Path.of("faq-pairs.csv"))
 *         .setAnchorColumn("question").setPositiveColumn("answer").setOutputDir(out)
 *         .build().train();
 * }</pre>
 */
public final class EmbeddingTrainer {

    /** Pairs per micro-batch: the in-batch negatives of each anchor are the others' positives. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    /**
     * The metric that picks the best evaluation: {@code primary}, nDCG@10 for pairs and triplets
     * (sentence-transformers' retrieval evaluator's), Spearman for scored pairs.
     */
    public static final String DEFAULT_METRIC = "primary";

    /** Tokens per text (clamped to the model's positions). */
    public static final int DEFAULT_MAX_LENGTH = 128;

    /** The similarity scale of the ranking loss (sentence-transformers' default). */
    public static final double DEFAULT_SCALE = 20;

    /** sentence-transformers' learning rate for fine-tuning embedding models. */
    public static final double DEFAULT_LEARNING_RATE = 2e-5;

    private final TrainingSettings settings;
    private final EmbeddingTask.Options options;

    private EmbeddingTrainer(TrainingSettings settings, EmbeddingTask.Options options) {
        this.settings = settings;
        this.options = options;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Runs the whole fine-tuning; the model is exported to {@code <output>/model}. */
    public TrainingReport<EmbeddingMetrics> train() throws FinetuneException {
        return TrainingLoop.train(settings, () -> EmbeddingTask.prepare(settings, options));
    }

    /**
     * Builder of an {@link EmbeddingTrainer}; the shared settings are in {@link TrainerBuilder}.
     */
    public static final class Builder extends TrainerBuilder<Builder> {
        private String anchorColumn = "anchor";
        private String positiveColumn = "positive";
        private String negativeColumn;
        private String scoreColumn;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private double scale = DEFAULT_SCALE;
        private boolean symmetric;
        private Pooling pooling;
        private RetrievalBenchmark retrieval;

        Builder() {
            super(DEFAULT_METRIC, DEFAULT_BATCH_SIZE);
            optLearningRate(DEFAULT_LEARNING_RATE);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected List<String> metricNames() {
            return EmbeddingMetrics.names();
        }

        /** The anchor (query) column (default {@code anchor}). */
        public Builder setAnchorColumn(String column) {
            this.anchorColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The positive (relevant document) column (default {@code positive}). */
        public Builder setPositiveColumn(String column) {
            this.positiveColumn = Objects.requireNonNull(column);
            return this;
        }

        /** A hard-negative column: the data are triplets. */
        public Builder optNegativeColumn(String column) {
            this.negativeColumn = Objects.requireNonNull(column);
            return this;
        }

        /** A similarity-score column: the data are scored pairs, the loss cosine similarity. */
        public Builder optScoreColumn(String column) {
            this.scoreColumn = Objects.requireNonNull(column);
            return this;
        }

        /** Tokens per text (default {@value #DEFAULT_MAX_LENGTH}). */
        public Builder optMaxLength(int n) {
            this.maxLength = positive(n, "max length");
            return this;
        }

        /** The ranking loss's similarity scale (default {@value #DEFAULT_SCALE}). */
        public Builder optScale(double scale) {
            if (!(scale > 0)) {
                throw new IllegalArgumentException("the scale must be positive, got " + scale);
            }
            this.scale = scale;
            return this;
        }

        /** Also rank the anchors for each positive and average both losses (default false). */
        public Builder optSymmetric(boolean symmetric) {
            this.symmetric = symmetric;
            return this;
        }

        /** The pooling (default: what the model's sentence-transformers files say, else mean). */
        public Builder optPooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling);
            return this;
        }

        /**
         * Evaluate retrieval on this set (queries, corpus and relevance judgements, e.g. read with
         * {@link RetrievalBenchmark#read}) instead of ranking the data's own documents for the
         * validation anchors; the validation loss is still the validation data's.
         */
        public Builder optRetrievalBenchmark(RetrievalBenchmark benchmark) {
            this.retrieval = Objects.requireNonNull(benchmark);
            return this;
        }

        /** Validates and builds. */
        public EmbeddingTrainer build() {
            return new EmbeddingTrainer(
                    settings("setModelDir, setTrainFile and setOutputDir are required"),
                    new EmbeddingTask.Options(
                            anchorColumn,
                            positiveColumn,
                            negativeColumn,
                            scoreColumn,
                            maxLength,
                            scale,
                            symmetric,
                            pooling,
                            retrieval));
        }
    }
}
