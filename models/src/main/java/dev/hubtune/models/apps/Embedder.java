package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentence embeddings as sentence-transformers computes them for the model: its pooling (mean or
 * CLS, from {@code 1_Pooling/config.json}; mean when the model says nothing), then scaled to unit
 * length when it has a Normalize module (or by default), so a dot product is the cosine.
 *
 * <pre>{@code
 * try (Embedder e = Embedder.builder().setModelDir(hub.pull("all-minilm-l6-v2").path()).build()) {
 *     float[][] vectors = e.embed(List.of("first text", "second text"));
 * }
 * }</pre>
 */
public final class Embedder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Embedder.class);

    /**
     * Tokens per text when neither the caller nor the model says (sentence-transformers' MiniLM).
     */
    public static final int DEFAULT_MAX_LENGTH = 256;

    private final TextTokenizer tokenizer;
    private final EncoderModel model;
    private final SentenceEmbeddingConfig config;
    private final int batchSize;

    private Embedder(
            TextTokenizer tokenizer,
            EncoderModel model,
            SentenceEmbeddingConfig config,
            int batchSize) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.config = config;
        this.batchSize = batchSize;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The embedding width. */
    public int dimension() {
        return model.hiddenSize();
    }

    /** How this model pools and normalises. */
    public SentenceEmbeddingConfig config() {
        return config;
    }

    /** One vector per text, in order; texts are batched and padded per batch. */
    public float[][] embed(List<String> texts) throws TokenizerException {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i += batchSize) {
            for (float[] v :
                    model.embeddings(
                            tokenizer.encodeBatch(
                                    texts.subList(i, Math.min(texts.size(), i + batchSize))),
                            config.pooling(),
                            config.normalize())) {
                out.add(v);
            }
        }
        return out.toArray(new float[0][]);
    }

    /** The names of the adapters loaded over the base (empty without). */
    public List<String> adapters() {
        return model.adapters();
    }

    /** Switches to adapter {@code name} ({@code null}: the base model); not while embedding. */
    public void useAdapter(String name) {
        model.useAdapter(name);
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    /** Builder of an {@link Embedder}. */
    public static final class Builder {
        private Path modelDir;
        private Boolean normalize;
        private Integer maxLength;
        private int batchSize = 32;
        private final List<Path> adapters = new java.util.ArrayList<>();

        Builder() {}

        /** The model directory (required). */
        public Builder setModelDir(Path dir) {
            this.modelDir = Objects.requireNonNull(dir);
            return this;
        }

        /** Scale vectors to unit length (default: as the model's modules say; true without). */
        public Builder optNormalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /**
         * Truncate texts to this many tokens (default: the model's {@code max_seq_length}, else
         * {@value #DEFAULT_MAX_LENGTH}; never more than its positions).
         */
        public Builder optMaxLength(int maxLength) {
            if (maxLength < 1) {
                throw new IllegalArgumentException("max length must be positive, got " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }

        /** Texts per forward pass (default 32). */
        public Builder optBatchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /**
         * A PEFT LoRA adapter directory to apply over the model (repeatable: the first is active,
         * {@link Embedder#useAdapter} switches).
         */
        public Builder optAdapter(Path dir) {
            adapters.add(Objects.requireNonNull(dir));
            return this;
        }

        /** Loads tokenizer and model. */
        public Embedder build() throws ModelException, TokenizerException {
            Objects.requireNonNull(modelDir, "setModelDir is required");
            PretrainedModel pretrained = ModelFamilies.describe(modelDir);
            SentenceEmbeddingConfig st = SentenceEmbeddingConfig.read(modelDir);
            SentenceEmbeddingConfig config =
                    new SentenceEmbeddingConfig(
                            st.pooling(),
                            normalize != null ? normalize : st.normalize() || !st.fromFiles(),
                            st.maxLength(),
                            st.fromFiles());
            int length =
                    ModelLengths.clamp(
                            maxLength != null
                                    ? maxLength
                                    : st.maxLength().orElse(DEFAULT_MAX_LENGTH),
                            pretrained,
                            maxLength != null);
            TextTokenizer tokenizer =
                    TextTokenizer.builder().setModelDir(modelDir).optMaxLength(length).build();
            try {
                EncoderModel model =
                        EncoderModel.load(pretrained, TextGenerator.readAdapters(adapters));
                LOG.debug(
                        "embedding with {} pooling, normalize {}",
                        config.pooling(),
                        config.normalize());
                return new Embedder(tokenizer, model, config, batchSize);
            } catch (ModelException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
    }
}
