package dev.hubtune.finetune;

import dev.hubtune.models.lora.LoraConfig;
import java.nio.file.Path;

/**
 * The task-independent settings of a run, fixed when a trainer is built (see {@link TrainerBuilder}
 * for what each means); {@code lora} (null: full fine-tuning) and {@code adapter} (a PEFT adapter
 * to continue training, or null) select LoRA; {@code devices} (towers in this process) and {@code
 * cluster} (towers on TensorFlow workers, or null) select data parallelism.
 */
record TrainingSettings(
        Path modelDir,
        Path trainFile,
        Path validationFile,
        double validationFraction,
        Path outputDir,
        int epochs,
        int maxSteps,
        double learningRate,
        int batchSize,
        long seed,
        double warmupRatio,
        double weightDecay,
        double maxGradNorm,
        double dropout,
        LearningRateSchedule.Kind schedule,
        int evalEverySteps,
        String metric,
        int patience,
        int threads,
        boolean mixedPrecision,
        boolean xla,
        boolean overwrite,
        boolean resume,
        int accumulation,
        int checkpointEverySteps,
        int keepCheckpoints,
        boolean prefetch,
        int profileStep,
        int logEverySteps,
        TrainingListener listener,
        LoraConfig lora,
        Path adapter,
        int devices,
        Cluster cluster) {

    /** Whether this run trains LoRA adapters (new ones, or a PEFT adapter continued). */
    boolean usesLora() {
        return lora != null || adapter != null;
    }

    /** What must match for a checkpoint of one run to be resumed by another. */
    String fingerprint() {
        return String.join(
                "/",
                "bs" + batchSize,
                "seed" + seed,
                "do" + dropout,
                "wd" + weightDecay,
                "clip" + maxGradNorm,
                "acc" + accumulation,
                "lr" + learningRate,
                "warm" + warmupRatio,
                schedule.name(),
                "ep" + epochs,
                "max" + maxSteps,
                lora == null ? "full" : "lora" + lora,
                adapter == null ? "" : "from" + adapter.toAbsolutePath().normalize());
    }
}
