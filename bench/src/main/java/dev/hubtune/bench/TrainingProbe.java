package dev.hubtune.bench;

import com.google.gson.Gson;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.LanguageModelTrainer;
import dev.hubtune.finetune.SftTrainer;
import dev.hubtune.finetune.TrainerBuilder;
import dev.hubtune.finetune.TrainingListener;
import dev.hubtune.models.decoding.GenerationConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured training run in its own JVM (so peak memory is the run's own), the counterpart of
 * {@code bench/peers/torch_train.py}: {@code TASK MODEL_DIR DATA OUT BATCH LENGTH WARMUP STEPS
 * THREADS}. Prints one JSON object: examples and tokens per second over STEPS optimizer steps after
 * WARMUP steps (timed between the loop's step callbacks, so evaluation and export at the end are
 * not counted), and the process's peak resident memory.
 */
public final class TrainingProbe {

    private TrainingProbe() {}

    /** Runs one probe. */
    public static void main(String[] args) throws Exception {
        String task = args[0];
        // "-lora": the same run training LoRA adapters (PEFT's defaults), the head in full.
        boolean lora = task.endsWith("-lora");
        task = lora ? task.substring(0, task.length() - "-lora".length()) : task;
        Path model = Path.of(args[1]);
        Path data = Path.of(args[2]);
        Path out = Path.of(args[3]);
        int batch = Integer.parseInt(args[4]);
        int length = Integer.parseInt(args[5]);
        int warmup = Integer.parseInt(args[6]);
        int steps = Integer.parseInt(args[7]);
        int threads = Integer.parseInt(args[8]);
        long[] at = new long[warmup + steps + 1];
        TrainingListener timer =
                new TrainingListener() {
                    @Override
                    public void step(int step, int total, double loss, double lr, double elapsed) {
                        at[step] = System.nanoTime();
                    }
                };
        if (task.equals("classification")) {
            configure(
                            ClassifierTrainer.builder(),
                            model,
                            data,
                            out,
                            batch,
                            warmup + steps,
                            threads,
                            warmup,
                            lora)
                    .setTextColumn("text")
                    .setLabelColumn("label")
                    .optMaxLength(length)
                    .optListener(timer)
                    .build()
                    .train();
        } else if (task.equals("sft")) {
            configure(
                            SftTrainer.builder(),
                            model,
                            data,
                            out,
                            batch,
                            warmup + steps,
                            threads,
                            warmup,
                            lora)
                    .optMaxLength(length)
                    .optSampling(GenerationConfig.greedy(4))
                    .optListener(timer)
                    .build()
                    .train();
        } else {
            configure(
                            LanguageModelTrainer.builder(),
                            model,
                            data,
                            out,
                            batch,
                            warmup + steps,
                            threads,
                            warmup,
                            lora)
                    .optBlockSize(length)
                    .optSamplePrompts(java.util.List.of("The"))
                    .optListener(timer)
                    .build()
                    .train();
        }
        double seconds = (at[warmup + steps] - at[warmup]) / 1e9;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("examples_per_s", steps * (double) batch / seconds);
        result.put("tokens_per_s", steps * (double) batch * length / seconds);
        result.put("peak_rss_mb", peakRssMb());
        System.out.println(new Gson().toJson(result));
    }

    private static <B extends TrainerBuilder<B>> B configure(
            B b,
            Path model,
            Path data,
            Path out,
            int batch,
            int steps,
            int threads,
            int profileStep,
            boolean lora) {
        if (lora) {
            b.optLora(dev.hubtune.models.lora.LoraConfig.defaults());
        }
        return b.setModelDir(model)
                .setTrainFile(data)
                .setOutputDir(out)
                .optOverwrite(true)
                .optBatchSize(batch)
                .optMaxSteps(steps)
                .optLearningRate(5e-5)
                .optValidationFraction(0.05)
                // the last warm-up step is traced (profile.txt), outside the timed steps
                .optProfileStep(profileStep)
                .optThreads(threads);
    }

    /** VmHWM of this process (Linux), in MB; -1 elsewhere. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
