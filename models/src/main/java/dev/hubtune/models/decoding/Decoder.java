package dev.hubtune.models.decoding;

import java.util.Arrays;
import java.util.Set;
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

    /** Sees each token as it is chosen (streaming, stop strings). */
    @FunctionalInterface
    public interface TokenSink {
        /** Takes the next token; false ends the generation after it. */
        boolean accept(int token);
    }

    /** Continues {@code prompt} as {@code config} says; {@code eosTokenId} ends the text. */
    public static Continuation generate(
            int[] prompt, GenerationConfig config, int eosTokenId, NextLogits model) {
        return generate(prompt, config, Set.of(eosTokenId), model, token -> true);
    }

    /**
     * Continues {@code prompt} as {@code config} says: any of {@code stopIds} ends the text (when
     * the config stops at end of text), and {@code sink} sees every token kept and may end the
     * generation.
     */
    public static Continuation generate(
            int[] prompt,
            GenerationConfig config,
            Set<Integer> stopIds,
            NextLogits model,
            TokenSink sink) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        Sampler sampler = new Sampler(config);
        int[] out = new int[config.maxNewTokens()];
        int n = 0;
        float[] logits = model.next(prompt);
        // Tokens seen so far, for the repetition penalty (the prompt counts, as in HF).
        java.util.BitSet seen = new java.util.BitSet(logits.length);
        if (config.repetitionPenalty() != 1) {
            for (int t : prompt) {
                seen.set(t);
            }
        }
        while (true) {
            if (config.repetitionPenalty() != 1) {
                logits = penalised(logits, seen, config.repetitionPenalty());
            }
            int token = sampler.next(logits);
            if (config.stopAtEndOfText() && stopIds.contains(token)) {
                return new Continuation(Arrays.copyOf(out, n), true);
            }
            out[n++] = token;
            seen.set(token);
            if (!sink.accept(token)) {
                return new Continuation(Arrays.copyOf(out, n), false);
            }
            if (n == out.length) {
                return new Continuation(out, false);
            }
            logits = model.next(new int[] {token});
        }
    }

    private static float[] penalised(float[] logits, java.util.BitSet seen, float penalty) {
        float[] out = logits.clone();
        for (int t = seen.nextSetBit(0); t >= 0 && t < out.length; t = seen.nextSetBit(t + 1)) {
            out[t] = out[t] > 0 ? out[t] / penalty : out[t] * penalty;
        }
        return out;
    }
}
