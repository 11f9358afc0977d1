package dev.hubtune.tokenizers;

/**
 * One encoded text or text pair, without padding.
 *
 * @param ids token ids
 * @param typeIds segment ids (0 for the first text, 1 for the second)
 * @param specialTokensMask 1 where a token was added by the template ([CLS], [SEP], …)
 * @param tokens the tokens as strings
 * @param charStarts start of each token in the original text (-1 for added tokens)
 * @param charEnds end of each token in the original text (-1 for added tokens)
 */
public record Encoded(
        long[] ids,
        long[] typeIds,
        long[] specialTokensMask,
        String[] tokens,
        int[] charStarts,
        int[] charEnds) {

    /** Number of tokens. */
    public int length() {
        return ids.length;
    }
}
