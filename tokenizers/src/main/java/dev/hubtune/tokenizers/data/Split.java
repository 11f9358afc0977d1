package dev.hubtune.tokenizers.data;

/**
 * A seeded train/validation split decided per record from its line number alone, so it streams (no
 * shuffle of the whole file in memory) and every run with the same seed splits the same way.
 */
public final class Split {

    private Split() {}

    /**
     * True when the record at {@code line} goes to validation, for a {@code fraction} in [0, 1).
     */
    public static boolean isValidation(long seed, long line, double fraction) {
        if (fraction < 0 || fraction >= 1) {
            throw new IllegalArgumentException(
                    "validation fraction must be in [0, 1), got " + fraction);
        }
        // SplitMix64 finaliser: a well-mixed 64-bit hash of (seed, line).
        long z = seed + line * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        double u = (z >>> 11) * 0x1.0p-53;
        return u < fraction;
    }
}
