package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.decoding.Continuation;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.Truncation;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Continues a prompt with a decoder-only language model: greedy or sampled (temperature, top-k,
 * top-p, seeded), one position of work per new token thanks to the key/value cache.
 *
 * <pre>{@code
 * try (TextGenerator g = TextGenerator.builder().setModelDir(dir).build()) {
 *     String text = g.generate("Once upon a time", GenerationConfig.greedy(20)).text();
 * }
 * }</pre>
 */
public final class TextGenerator implements AutoCloseable {

    /**
     * What a generation produced.
     *
     * @param prompt the prompt
     * @param text the generated continuation (without the prompt)
     * @param promptIds the prompt's token ids
     * @param newIds the generated token ids
     * @param stoppedAtEndOfText whether generation ended at the end-of-text token
     * @param nanos time spent, including the prompt's forward pass
     */
    public record Generation(
            String prompt,
            String text,
            int[] promptIds,
            int[] newIds,
            boolean stoppedAtEndOfText,
            long nanos) {

        /** Generated tokens per second. */
        public double tokensPerSecond() {
            return newIds.length / (nanos / 1e9);
        }
    }

    private final TextTokenizer tokenizer;
    private final DecoderModel model;

    private TextGenerator(TextTokenizer tokenizer, DecoderModel model) {
        this.tokenizer = tokenizer;
        this.model = model;
    }

    /** A generator over an already loaded model and tokenizer (both owned from now on). */
    public static TextGenerator of(TextTokenizer tokenizer, DecoderModel model) {
        return new TextGenerator(tokenizer, model);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model. */
    public DecoderModel model() {
        return model;
    }

    /** Continues {@code prompt}. */
    public Generation generate(String prompt, GenerationConfig config)
            throws TokenizerException, ModelException {
        Encoded encoded = tokenizer.encode(prompt);
        int[] promptIds = Arrays.stream(encoded.ids()).mapToInt(Math::toIntExact).toArray();
        if (promptIds.length == 0) {
            promptIds = new int[] {model.config().bosTokenId()};
        }
        return generate(prompt, promptIds, config);
    }

    /** Continues the token ids {@code promptIds} ({@code prompt} is kept for the result). */
    public Generation generate(String prompt, int[] promptIds, GenerationConfig config)
            throws ModelException {
        long start = System.nanoTime();
        Continuation c = model.generate(promptIds, config);
        long[] asLongs = Arrays.stream(c.ids()).asLongStream().toArray();
        return new Generation(
                prompt,
                tokenizer.decode(asLongs, true),
                promptIds,
                c.ids(),
                c.stoppedAtEndOfText(),
                System.nanoTime() - start);
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    /** Builder of a {@link TextGenerator}. */
    public static final class Builder {
        private Path modelDir;

        Builder() {}

        /** An HF-format decoder directory with its tokenizer files (required). */
        public Builder setModelDir(Path dir) {
            this.modelDir = Objects.requireNonNull(dir);
            return this;
        }

        /** Loads tokenizer and model. */
        public TextGenerator build() throws ModelException, TokenizerException {
            Objects.requireNonNull(modelDir, "setModelDir is required");
            PretrainedModel model = ModelFamilies.describe(modelDir);
            model.require(ModelTask.CAUSAL_LM);
            // No truncation: a prompt longer than the model is reported with its real length.
            TextTokenizer tokenizer =
                    TextTokenizer.builder()
                            .setModelDir(modelDir)
                            .optTruncation(Truncation.NONE)
                            .optMaxLength(Integer.MAX_VALUE)
                            .optAddSpecialTokens(false)
                            .build();
            try {
                return new TextGenerator(tokenizer, DecoderModel.load(model));
            } catch (ModelException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
    }
}
