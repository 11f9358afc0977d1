package dev.hubtune.finetune;

/** Progress callbacks of a training run (the CLI draws its progress line from them). */
public interface TrainingListener {

    /** After each optimizer step. */
    default void step(
            int step, int totalSteps, double loss, double learningRate, double elapsedSeconds) {}

    /** After each evaluation. */
    default void evaluated(TrainingReport.Evaluation<?> evaluation) {}
}
