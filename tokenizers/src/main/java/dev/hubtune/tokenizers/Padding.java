package dev.hubtune.tokenizers;

/** How a batch is padded. */
public enum Padding {
    /** To the longest sequence of the batch (least waste). */
    LONGEST,
    /** Always to the maximum length (fixed shapes, e.g. for serving signatures). */
    MAX_LENGTH
}
