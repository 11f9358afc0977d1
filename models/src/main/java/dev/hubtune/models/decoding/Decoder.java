package dev.hubtune.models.decoding;

import java.util.Arrays;
import java.util.function.Function;

/**
 * The autoregressive loop shared by every way of running a causal language model: ask the model for
 * the next-token logits, pick a token with a {@link Sampler}, feed it back, until the end of text
 * or the token budget. How the model computes the logits (with a key/value cache, or by re-running
 * the whole sequence in a training session) is the caller's business, so every path decodes with
 * exactly the same rules.
 */
public final class Decoder {

    private Decoder() {}

    /** A causal language model seen one step at a time. */
    @FunctionalInterface
    public interface NextLogits {
        /**
         * Appends {@code tokens} (first the prompt, then each chosen token) to the sequence so far
         * and returns the logits of the token after them.
         */
        float[] next(int[] tokens);
    }

    /**
     * A model without a cache: it keeps the whole sequence and asks {@code lastLogits} for the
     * logits after all of it at every step.
     */
    public static NextLogits withoutCache(Function<int[], float[]> lastLogits) {
        int[][] sequence = {new int[0]};
        return tokens -> {
            int[] grown = Arrays.copyOf(sequence[0], sequence[0].length + tokens.length);
            System.arraycopy(tokens, 0, grown, sequence[0].length, tokens.length);
            sequence[0] = grown;
            return lastLogits.apply(grown);
        };
    }

    /** Continues {@code prompt} as {@code config} says; {@code eosTokenId} ends the text. */
    public static Continuation generate(
            int[] prompt, GenerationConfig config, int eosTokenId, NextLogits model) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        Sampler sampler = new Sampler(config);
        int[] out = new int[config.maxNewTokens()];
        int n = 0;
        float[] logits = model.next(prompt);
        while (true) {
            int token = sampler.next(logits);
            if (config.stopAtEndOfText() && token == eosTokenId) {
                return new Continuation(Arrays.copyOf(out, n), true);
            }
            out[n++] = token;
            if (n == out.length) {
                return new Continuation(out, false);
            }
            logits = model.next(new int[] {token});
        }
    }
}
