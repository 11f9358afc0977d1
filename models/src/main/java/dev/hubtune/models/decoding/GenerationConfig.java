package dev.hubtune.models.decoding;

/**
 * How a generator picks tokens. Greedy (the default) takes the most likely token; with a
 * temperature above 0 it samples, optionally from the {@code topK} most likely tokens and from the
 * smallest set whose probability reaches {@code topP} (nucleus sampling), seeded so that the same
 * seed gives the same text.
 */
public final class GenerationConfig {

    private final int maxNewTokens;
    private final float temperature;
    private final int topK;
    private final float topP;
    private final long seed;
    private final boolean stopAtEndOfText;
    private final boolean useCache;
    private final float repetitionPenalty;
    private final java.util.List<String> stopStrings;

    GenerationConfig(Builder b) {
        repetitionPenalty = b.repetitionPenalty;
        stopStrings = java.util.List.copyOf(b.stopStrings);
        maxNewTokens = b.maxNewTokens;
        temperature = b.temperature;
        topK = b.topK;
        topP = b.topP;
        seed = b.seed;
        stopAtEndOfText = b.stopAtEndOfText;
        useCache = b.useCache;
    }

    /** A builder with the defaults: 50 new tokens, greedy, seed 0, stop at end-of-text, cache. */
    public static Builder builder() {
        return new Builder();
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return builder().optMaxNewTokens(maxNewTokens).build();
    }

    /** This configuration with at most {@code n} new tokens (e.g. to fit the model's positions). */
    public GenerationConfig withMaxNewTokens(int n) {
        Builder b = builder().optMaxNewTokens(n).optTemperature(temperature).optTopK(topK);
        return b.optTopP(topP)
                .optSeed(seed)
                .optStopAtEndOfText(stopAtEndOfText)
                .optUseCache(useCache)
                .optRepetitionPenalty(repetitionPenalty)
                .optStopStrings(stopStrings)
                .build();
    }

    /**
     * The repetition penalty (1 = none): as HF's {@code RepetitionPenaltyLogitsProcessor}, the
     * logit of every token already in the sequence is divided by it when positive and multiplied by
     * it when negative, before temperature and filtering.
     */
    public float repetitionPenalty() {
        return repetitionPenalty;
    }

    /** Texts that end the generation where they appear (not included in the result). */
    public java.util.List<String> stopStrings() {
        return stopStrings;
    }

    /** Most tokens to add. */
    public int maxNewTokens() {
        return maxNewTokens;
    }

    /** Sampling temperature; 0 means greedy. */
    public float temperature() {
        return temperature;
    }

    /** Sample among this many most likely tokens; 0 means all. */
    public int topK() {
        return topK;
    }

    /** Nucleus probability mass; 1 means all. */
    public float topP() {
        return topP;
    }

    /** Seed of the sampler. */
    public long seed() {
        return seed;
    }

    /** Whether generation stops at the end-of-text token. */
    public boolean stopAtEndOfText() {
        return stopAtEndOfText;
    }

    /** Whether the key/value cache is used (off only to check it). */
    public boolean useCache() {
        return useCache;
    }

    /** Whether tokens are sampled rather than chosen greedily. */
    public boolean sampling() {
        return temperature > 0;
    }

    @Override
    public String toString() {
        return sampling()
                ? String.format(
                        java.util.Locale.ROOT,
                        "sample(T=%s, top-k=%d, top-p=%s, seed=%d, max %d)",
                        temperature,
                        topK,
                        topP,
                        seed,
                        maxNewTokens)
                : "greedy(max "
                        + maxNewTokens
                        + ")"
                        + (repetitionPenalty != 1
                                ? ", repetition penalty " + repetitionPenalty
                                : "")
                        + (stopStrings.isEmpty() ? "" : ", stop at " + stopStrings);
    }

    /** Builder of a {@link GenerationConfig}. */
    public static final class Builder {
        private int maxNewTokens = 50;
        private float temperature;
        private int topK;
        private float topP = 1f;
        private long seed;
        private boolean stopAtEndOfText = true;
        private boolean useCache = true;
        private float repetitionPenalty = 1f;
        private java.util.List<String> stopStrings = java.util.List.of();

        Builder() {}

        /** Repetition penalty, at least 1 (default 1: none; 1.1–1.3 are usual). */
        public Builder optRepetitionPenalty(float penalty) {
            if (!(penalty >= 1) || Float.isInfinite(penalty)) {
                throw new IllegalArgumentException(
                        "repetition penalty must be >= 1, got " + penalty);
            }
            repetitionPenalty = penalty;
            return this;
        }

        /** Stop where one of these texts appears in the generated text. */
        public Builder optStopStrings(java.util.List<String> stops) {
            for (String s : stops) {
                if (s == null || s.isEmpty()) {
                    throw new IllegalArgumentException("stop strings must not be empty");
                }
            }
            stopStrings = java.util.List.copyOf(stops);
            return this;
        }

        /** Most tokens to add (default 50). */
        public Builder optMaxNewTokens(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("max new tokens must be positive, got " + n);
            }
            maxNewTokens = n;
            return this;
        }

        /** Sampling temperature (default 0 = greedy); 0.7–1.0 are usual for sampling. */
        public Builder optTemperature(float t) {
            if (!(t >= 0) || Float.isInfinite(t)) {
                throw new IllegalArgumentException("temperature must be >= 0, got " + t);
            }
            temperature = t;
            return this;
        }

        /** Sample among the k most likely tokens (default 0 = no limit). */
        public Builder optTopK(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("top-k must be >= 0, got " + k);
            }
            topK = k;
            return this;
        }

        /** Nucleus sampling mass in (0, 1] (default 1 = off). */
        public Builder optTopP(float p) {
            if (!(p > 0 && p <= 1)) {
                throw new IllegalArgumentException("top-p must be in (0, 1], got " + p);
            }
            topP = p;
            return this;
        }

        /** Seed of the sampler (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Stop at the end-of-text token (default true). */
        public Builder optStopAtEndOfText(boolean stop) {
            stopAtEndOfText = stop;
            return this;
        }

        /** Use the key/value cache (default true; false recomputes the prefix every step). */
        public Builder optUseCache(boolean useCache) {
            this.useCache = useCache;
            return this;
        }

        /** The configuration. */
        public GenerationConfig build() {
            return new GenerationConfig(this);
        }
    }
}
