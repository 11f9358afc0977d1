package dev.hubtune.models.family;

import java.util.Locale;

/** How a sequence's hidden states become one vector (for classification and embeddings). */
public enum Pooling {
    /**
     * The family's own pooling as transformers' {@code *ForSequenceClassification} builds it (BERT:
     * its pooler, {@code tanh(dense(first token))}), so exports load in transformers as they are.
     */
    POOLER,
    /** Masked mean of the last hidden states: sentence-transformers' mean pooling. */
    MEAN,
    /** The first token's last hidden state ({@code [CLS]}): sentence-transformers' CLS pooling. */
    CLS;

    /** The name written to configs ({@code pooler}, {@code mean}, {@code cls}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The pooling a config or option names, case-insensitively. */
    public static Pooling parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown pooling '" + name + "'; choose pooler, mean or cls", e);
        }
    }
}
