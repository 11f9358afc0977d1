package dev.hubtune.finetune;

import dev.hubtune.models.decoding.GenerationConfig;
import java.util.List;
import java.util.Objects;

/**
 * Supervised fine-tuning of a chat model on conversations (JSONL: {@code messages} of {@code
 * role}/{@code content}, or {@code prompt}/{@code completion}), on the shared {@link TrainingLoop}:
 * the model's chat template renders each conversation, the loss counts only the assistant's tokens,
 * and each evaluation answers a few validation conversations. The export is an HF model with its
 * tokenizer and chat template, for {@code hubtune chat}.
 *
 * <pre>{@code
 * SftTrainer.builder().setModelDir(smollm2).setTrainFile(chats).setOutputDir(out)
 *         .optMaxSteps(200).build().train();
 * }</pre>
 */
public final class SftTrainer {

    /** Conversations per micro-batch. */
    public static final int DEFAULT_BATCH_SIZE = 8;

    /** Tokens per conversation (longer ones are cut; at most the model's positions). */
    public static final int DEFAULT_MAX_LENGTH = 512;

    private final TrainingSettings settings;
    private final SftTask.Options options;

    private SftTrainer(TrainingSettings settings, SftTask.Options options) {
        this.settings = settings;
        this.options = options;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Runs the whole training; the model is exported to {@code <output>/model}. */
    public TrainingReport<LanguageModelMetrics> train() throws FinetuneException {
        return TrainingLoop.train(settings, () -> SftTask.prepare(settings, options));
    }

    /** Builder of an {@link SftTrainer}; the shared settings are in {@link TrainerBuilder}. */
    public static final class Builder extends TrainerBuilder<Builder> {
        private int maxLength = DEFAULT_MAX_LENGTH;
        private GenerationConfig sampling = GenerationConfig.greedy(48);

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

        /** Tokens per conversation (default {@value #DEFAULT_MAX_LENGTH}). */
        public Builder optMaxLength(int n) {
            this.maxLength = positive(n, "max length");
            return this;
        }

        /** How the evaluation's answers are decoded (default: greedy, 48 tokens). */
        public Builder optSampling(GenerationConfig sampling) {
            this.sampling = Objects.requireNonNull(sampling);
            return this;
        }

        /** Validates and builds. */
        public SftTrainer build() {
            return new SftTrainer(
                    settings("setModelDir, setTrainFile and setOutputDir are required"),
                    new SftTask.Options(maxLength, sampling));
        }
    }
}
