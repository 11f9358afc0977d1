package dev.hubtune.models.decoding;

import java.util.SplittableRandom;

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
        int[] candidates = TopK.indices(logits, k); // best first
        double[] p = new double[candidates.length];
        double max = logits[candidates[0]];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[candidates[i]] - max) / config.temperature());
            sum += p[i];
        }
        // Nucleus: the smallest prefix (in probability order) whose mass reaches top-p.
        int keep = p.length;
        double mass = 0;
        for (int i = 0; i < p.length; i++) {
            mass += p[i] / sum;
            if (mass >= config.topP()) {
                keep = i + 1;
                break;
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += p[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u < 0) {
                return candidates[i];
            }
        }
        return candidates[keep - 1];
    }
}
