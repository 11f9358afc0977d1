package dev.hubtune.finetune;

import java.util.List;
import java.util.Objects;

/**
 * Fine-tunes an encoder of any supported family for token classification (named entities,
 * part-of-speech, chunks) on the shared {@link TrainingLoop}: CoNLL or JSONL sentences, the
 * family's {@code *ForTokenClassification} head, first-sub-token labels, overlapping windows for
 * long sentences, entity-level precision/recall/F1 per type with seqeval's semantics (the best
 * model is the one with the best entity F1), and export in HF format with {@code id2label} for
 * {@code hubtune predict} and transformers.
 *
 * <pre>{@code
 * TrainingReport<TokenClassificationMetrics> report = TokenClassifierTrainer.builder()
 *         .setModelDir(bert).setTrainFile(Path.of("train.conll"))
 *         .optValidationFile(Path.of("dev.conll")).setOutputDir(out).build().train();
 * }</pre>
 */
public final class TokenClassifierTrainer {

    /** Sentences (windows) per micro-batch. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    /** Entity F1 picks the best evaluation, as HF's token-classification example reports it. */
    public static final String DEFAULT_METRIC = "f1";

    /** Tokens per window (clamped to the model's positions). */
    public static final int DEFAULT_MAX_LENGTH = 128;

    /** Tokens shared by consecutive windows of a sentence longer than the maximum length. */
    public static final int DEFAULT_STRIDE = 32;

    private final TrainingSettings settings;
    private final TokenClassificationTask.Options options;

    private TokenClassifierTrainer(
            TrainingSettings settings, TokenClassificationTask.Options options) {
        this.settings = settings;
        this.options = options;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Runs the whole fine-tuning; the model is exported to {@code <output>/model}. */
    public TrainingReport<TokenClassificationMetrics> train() throws FinetuneException {
        return TrainingLoop.train(
                settings, () -> TokenClassificationTask.prepare(settings, options));
    }

    /**
     * Builder of a {@link TokenClassifierTrainer}; the shared settings are in {@link
     * TrainerBuilder}.
     */
    public static final class Builder extends TrainerBuilder<Builder> {
        private String tokensField = "tokens";
        private String tagsField = "tags";
        private String textField = "text";
        private String entitiesField = "entities";
        private int tagColumn = -1;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private int stride = DEFAULT_STRIDE;
        private boolean labelAllTokens;
        private Seqeval.Mode mode = Seqeval.Mode.DEFAULT;
        private Seqeval.Scheme scheme;
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
            return TokenClassificationMetrics.names();
        }

        /** JSONL: the field of the words (default {@code tokens}). */
        public Builder optTokensField(String field) {
            this.tokensField = Objects.requireNonNull(field);
            return this;
        }

        /** JSONL: the field of the tags (default {@code tags}). */
        public Builder optTagsField(String field) {
            this.tagsField = Objects.requireNonNull(field);
            return this;
        }

        /** JSONL: the text field of character-offset data (default {@code text}). */
        public Builder optTextField(String field) {
            this.textField = Objects.requireNonNull(field);
            return this;
        }

        /** JSONL: the entities field of character-offset data (default {@code entities}). */
        public Builder optEntitiesField(String field) {
            this.entitiesField = Objects.requireNonNull(field);
            return this;
        }

        /** CoNLL: the tag column, 0 being the word (default: the last). */
        public Builder optTagColumn(int column) {
            this.tagColumn = positive(column, "tag column");
            return this;
        }

        /** Tokens per window (default {@value #DEFAULT_MAX_LENGTH}). */
        public Builder optMaxLength(int n) {
            this.maxLength = positive(n, "max length");
            return this;
        }

        /**
         * Tokens shared by consecutive windows of a long sentence (default {@value
         * #DEFAULT_STRIDE}; lowered to fit when the windows are short).
         */
        public Builder optStride(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("stride must be 0 or more, got " + n);
            }
            this.stride = n;
            return this;
        }

        /**
         * Label every sub-token of a word (a {@code B-} word's later pieces get its {@code I-}
         * tag), not only the first (default false; evaluation is on words either way).
         */
        public Builder optLabelAllTokens(boolean all) {
            this.labelAllTokens = all;
            return this;
        }

        /**
         * Count only entities well-formed under a tag scheme (seqeval's {@code mode="strict"});
         * {@code scheme} null detects it from the gold tags. Default: seqeval's default mode.
         */
        public Builder optStrict(Seqeval.Scheme scheme) {
            this.mode = Seqeval.Mode.STRICT;
            this.scheme = scheme;
            return this;
        }

        /** Train only the classification head. */
        public Builder optFreezeEncoder(boolean freeze) {
            this.freezeEncoder = freeze;
            return this;
        }

        /** Validates and builds. */
        public TokenClassifierTrainer build() {
            return new TokenClassifierTrainer(
                    settings("setModelDir, setTrainFile and setOutputDir are required"),
                    new TokenClassificationTask.Options(
                            tokensField,
                            tagsField,
                            textField,
                            entitiesField,
                            tagColumn,
                            maxLength,
                            stride,
                            labelAllTokens,
                            mode,
                            scheme,
                            freezeEncoder));
        }
    }
}
