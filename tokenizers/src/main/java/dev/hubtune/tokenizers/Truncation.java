package dev.hubtune.tokenizers;

/** How a text (or pair) longer than the maximum length is cut. */
public enum Truncation {
    /** Never cut: a longer input is an error. */
    NONE,
    /** Cut the longer of the two texts first, token by token (HF's default). */
    LONGEST_FIRST,
    /** Cut only the first text. */
    ONLY_FIRST,
    /** Cut only the second text of a pair (keep questions whole, cut contexts). */
    ONLY_SECOND
}
