package dev.hubtune.finetune;

import dev.hubtune.models.decoding.GenerationConfig;
import java.util.List;
import java.util.Objects;

/**
 * Trains or fine-tunes a GPT-2 as a causal language model on a text corpus, on the same {@link
 * TrainingLoop} as classification: documents from plain text (blank-line separated), JSONL or CSV,
 * packed into blocks joined by the end-of-text token; AdamW, schedules, clipping, accumulation,
 * resumable checkpoints, early stopping on validation loss; perplexity and seeded sample
 * continuations at every evaluation; export in HF format for {@code hubtune generate}.
 *
 * <pre>{@code
 * TrainingReport<LanguageModelMetrics> report = LanguageModelTrainer.builder()
 *         .setModelDir(gpt2).setTrainFile(Path.of("corpus.txt")).setOutputDir(out)
 *         .optBlockSize(128).optEpochs(3).build().train();
 * }</pre>
 */
public final class LanguageModelTrainer {

    /** Blocks per micro-batch. */
    public static final int DEFAULT_BATCH_SIZE = 8;

    /** Tokens per block. */
    public static final int DEFAULT_BLOCK_SIZE = 128;

    private final TrainingSettings settings;
    private final CausalLmTask.Options options;

    private LanguageModelTrainer(TrainingSettings settings, CausalLmTask.Options options) {
        this.settings = settings;
        this.options = options;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the whole training and returns what happened; the model is exported to {@code
     * <output>/model}.
     */
    public TrainingReport<LanguageModelMetrics> train() throws FinetuneException {
        return TrainingLoop.train(settings, () -> CausalLmTask.prepare(settings, options));
    }

    /**
     * Builder of a {@link LanguageModelTrainer}; the shared settings are in {@link TrainerBuilder}.
     * Defaults differ from classification: learning rate 5e-5, batch 8, best model by validation
     * loss.
     */
    public static final class Builder extends TrainerBuilder<Builder> {
        private String textField = "text";
        private int blockSize = DEFAULT_BLOCK_SIZE;
        private List<String> prompts = List.of();
        private GenerationConfig sampling =
                GenerationConfig.builder()
                        .optMaxNewTokens(24)
                        .optTemperature(0.8f)
                        .optTopK(40)
                        .optSeed(0)
                        .build();

        Builder() {
            super("loss", DEFAULT_BATCH_SIZE);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected List<String> metricNames() {
            return LanguageModelMetrics.names();
        }

        /** The text field of JSONL files or column of CSV/TSV files (default "text"). */
        public Builder optTextField(String field) {
            this.textField = Objects.requireNonNull(field);
            return this;
        }

        /** Tokens per training block (default 128; at most the model's positions). */
        public Builder optBlockSize(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("block size must be at least 2, got " + n);
            }
            this.blockSize = n;
            return this;
        }

        /**
         * Prompts continued at every evaluation (default: the first tokens of the first three
         * validation blocks).
         */
        public Builder optSamplePrompts(List<String> prompts) {
            this.prompts = List.copyOf(prompts);
            return this;
        }

        /** How sample continuations are decoded (default: top-40, temperature 0.8, seed 0). */
        public Builder optSampling(GenerationConfig sampling) {
            this.sampling = Objects.requireNonNull(sampling);
            return this;
        }

        /** Validates and builds. */
        public LanguageModelTrainer build() {
            return new LanguageModelTrainer(
                    settings("setModelDir, setTrainFile and setOutputDir are required"),
                    new CausalLmTask.Options(textField, blockSize, prompts, sampling));
        }
    }
}
