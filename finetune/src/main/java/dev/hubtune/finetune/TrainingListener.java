package dev.hubtune.finetune;

/** Progress callbacks of a training run (the CLI draws its progress line from them). */
public interface TrainingListener {

    /** After each optimizer step. */
    default void step(
            int step, int totalSteps, double loss, double learningRate, double elapsedSeconds) {}

    /**
     * Before the first step: how many parameters the optimizer updates, of how many (with LoRA, the
     * adapters and the modules to save, of the model and its adapters).
     */
    default void parameters(long trainable, long total, boolean lora) {}

    /** After each evaluation. */
    default void evaluated(TrainingReport.Evaluation<?> evaluation) {}
}
