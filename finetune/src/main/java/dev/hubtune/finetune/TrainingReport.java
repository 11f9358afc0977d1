package dev.hubtune.finetune;

import java.nio.file.Path;
import java.util.List;

/**
 * What a fine-tuning run did.
 *
 * @param evaluations every evaluation, in order
 * @param best the best evaluation (by the chosen metric); its weights were exported
 * @param steps optimizer steps run
 * @param seconds wall time of the training loop in this process
 * @param examplesPerSecond training throughput in sequences (blocks for language models)
 * @param tokensPerSecond training throughput in tokens, padding excluded
 * @param exported the exported model directory
 * @param resumedFromStep the checkpoint step this run continued from (0 for a fresh run)
 * @param trainableParameters parameters the optimizer updated (with LoRA: adapters and modules to
 *     save)
 * @param totalParameters parameters of the model (and its adapters)
 * @param adapter the PEFT adapter directory a LoRA run exported beside the merged model, or null
 * @param <M> the task's metrics
 */
public record TrainingReport<M extends EvaluationMetrics>(
        List<Evaluation<M>> evaluations,
        Evaluation<M> best,
        int steps,
        double seconds,
        double examplesPerSecond,
        double tokensPerSecond,
        Path exported,
        int resumedFromStep,
        long trainableParameters,
        long totalParameters,
        Path adapter) {

    /**
     * One evaluation on the validation set.
     *
     * @param step optimizer step it followed
     * @param epoch epoch (1-based)
     * @param trainLoss mean training loss since the previous evaluation
     * @param metrics validation metrics
     * @param <M> the task's metrics
     */
    public record Evaluation<M extends EvaluationMetrics>(
            int step, int epoch, double trainLoss, M metrics) {}
}
