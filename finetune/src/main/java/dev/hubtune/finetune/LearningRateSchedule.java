package dev.hubtune.finetune;

/**
 * The learning rate of each optimizer step: linear warm-up from 0 to the peak, then constant,
 * linear decay to 0 or cosine decay to 0 at the last step (HF's schedules).
 *
 * @param kind the shape after warm-up
 * @param peak the peak learning rate
 * @param warmupSteps steps of linear warm-up
 * @param totalSteps optimizer steps of the whole run
 */
public record LearningRateSchedule(Kind kind, double peak, int warmupSteps, int totalSteps) {

    /** Shapes after warm-up. */
    public enum Kind {
        /** Keep the peak. */
        CONSTANT,
        /** Straight down to 0 at the last step. */
        LINEAR,
        /** Half a cosine down to 0 at the last step. */
        COSINE
    }

    /** Validates. */
    public LearningRateSchedule {
        if (peak <= 0 || warmupSteps < 0 || totalSteps < 1 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(
                    "bad schedule: peak "
                            + peak
                            + ", warm-up "
                            + warmupSteps
                            + ", total "
                            + totalSteps);
        }
    }

    /** The rate at 1-based {@code step}. */
    public double at(int step) {
        if (step <= warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        progress = Math.min(1, progress);
        return switch (kind) {
            case CONSTANT -> peak;
            case LINEAR -> peak * (1 - progress);
            case COSINE -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
