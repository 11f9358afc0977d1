package dev.hubtune.models.nn;

/**
 * What a parameter is, which decides how the optimizer treats it: weight decay applies to weights
 * and embeddings, never to biases or normalisation scales (HF Trainer's and BERT's convention).
 */
public enum ParameterKind {
    /** A linear layer's kernel. */
    WEIGHT,
    /** A lookup table (token, position or type embeddings). */
    EMBEDDING,
    /** An additive bias. */
    BIAS,
    /** A normalisation layer's scale or shift. */
    NORM;

    /** Whether decoupled weight decay applies to parameters of this kind. */
    public boolean decays() {
        return this == WEIGHT || this == EMBEDDING;
    }
}
