package dev.hubtune.models.decoding;

import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

/**
 * Picks the next token from a model's logits as a {@link GenerationConfig} says: argmax when
 * greedy; otherwise temperature scaling, top-k and top-p filtering, then a draw from a seeded
 * generator (one per generation, so a seed reproduces a text exactly).
 */
public final class Sampler {

    private final GenerationConfig config;
    private final SplittableRandom random;

    /** A sampler for one generation. */
    public Sampler(GenerationConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    /** The next token id. */
    public int next(float[] logits) {
        if (!config.sampling()) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        int k = config.topK() > 0 ? Math.min(config.topK(), logits.length) : logits.length;
        // Top-k and top-p need the candidates in probability order; plain temperature sampling
        // does not, so then the vocabulary is not sorted (it is the hot path of generation).
        boolean filtered = k < logits.length || config.topP() < 1;
        int[] candidates = filtered ? TopK.indices(logits, k) : null; // best first
        IntUnaryOperator id = filtered ? i -> candidates[i] : i -> i;
        double[] p = new double[filtered ? candidates.length : logits.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < p.length; i++) {
            max = Math.max(max, logits[id.applyAsInt(i)]);
        }
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[id.applyAsInt(i)] - max) / config.temperature());
            sum += p[i];
        }
        // Nucleus: the smallest prefix (in probability order) whose mass reaches top-p.
        int keep = p.length;
        double total = sum;
        if (config.topP() < 1) {
            double mass = 0;
            for (int i = 0; i < p.length; i++) {
                mass += p[i];
                if (mass >= config.topP() * sum) {
                    keep = i + 1;
                    total = mass;
                    break;
                }
            }
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u < 0) {
                return id.applyAsInt(i);
            }
        }
        return id.applyAsInt(keep - 1);
    }
}
