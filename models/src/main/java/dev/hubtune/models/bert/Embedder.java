package dev.hubtune.models.bert;

import dev.hubtune.models.ModelException;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Sentence embeddings as sentence-transformers computes them: BERT's last hidden states, mean over
 * the real tokens, then (by default) scaled to unit length so a dot product is the cosine.
 *
 * <pre>{@code
 * try (Embedder e = Embedder.builder().setModelDir(hub.pull("all-minilm-l6-v2").path()).build()) {
 *     float[][] vectors = e.embed(List.of("first text", "second text"));
 * }
 * }</pre>
 */
public final class Embedder implements AutoCloseable {

    private final TextTokenizer tokenizer;
    private final BertModel model;
    private final boolean normalize;
    private final int batchSize;

    private Embedder(TextTokenizer tokenizer, BertModel model, boolean normalize, int batchSize) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.normalize = normalize;
        this.batchSize = batchSize;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The embedding width. */
    public int dimension() {
        return model.graph().config().hiddenSize();
    }

    /** One vector per text, in order; texts are batched and padded per batch. */
    public float[][] embed(List<String> texts) throws TokenizerException {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i += batchSize) {
            for (float[] v :
                    model.embeddings(
                            tokenizer.encodeBatch(
                                    texts.subList(i, Math.min(texts.size(), i + batchSize))),
                            normalize)) {
                out.add(v);
            }
        }
        return out.toArray(new float[0][]);
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    /** Builder of an {@link Embedder}. */
    public static final class Builder {
        private Path modelDir;
        private boolean normalize = true;
        private int maxLength = 256;
        private int batchSize = 32;

        Builder() {}

        /** The model directory (required). */
        public Builder setModelDir(Path dir) {
            this.modelDir = Objects.requireNonNull(dir);
            return this;
        }

        /** Scale vectors to unit length (default true). */
        public Builder optNormalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /** Truncate texts to this many tokens (default 256, as sentence-transformers' MiniLM). */
        public Builder optMaxLength(int maxLength) {
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

        /** Loads tokenizer and model. */
        public Embedder build() throws ModelException, TokenizerException {
            Objects.requireNonNull(modelDir, "setModelDir is required");
            TextTokenizer tokenizer =
                    TextTokenizer.builder().setModelDir(modelDir).optMaxLength(maxLength).build();
            try {
                return new Embedder(tokenizer, PretrainedBert.load(modelDir), normalize, batchSize);
            } catch (ModelException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
    }
}
