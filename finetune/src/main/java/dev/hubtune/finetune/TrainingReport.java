package dev.hubtune.finetune;

import java.nio.file.Path;
import java.util.List;

/**
 * What a fine-tuning run did.
 *
 * @param evaluations every evaluation, in order
 * @param best the best evaluation (by the chosen metric); its weights were exported
 * @param steps optimizer steps run
 * @param seconds wall time of the training loop
 * @param sequencesPerSecond training throughput
 * @param exported the exported model directory
 * @param labels the label vocabulary, in class-id order
 * @param resumedFromStep the checkpoint step this run continued from (0 for a fresh run)
 */
public record TrainingReport(
        List<Evaluation> evaluations,
        Evaluation best,
        int steps,
        double seconds,
        double sequencesPerSecond,
        Path exported,
        List<String> labels,
        int resumedFromStep) {

    /**
     * One evaluation on the validation set.
     *
     * @param step optimizer step it followed
     * @param epoch epoch (1-based)
     * @param trainLoss mean training loss since the previous evaluation
     * @param metrics validation metrics
     */
    public record Evaluation(
            int step, int epoch, double trainLoss, ClassificationMetrics metrics) {}
}
