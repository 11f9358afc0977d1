package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.finetune.LanguageModelMetrics;
import dev.hubtune.finetune.SftTrainer;
import dev.hubtune.finetune.TrainingListener;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.Hub;
import dev.hubtune.hub.cache.FileTrees;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervised fine-tuning of the real SmolLM2-135M-Instruct (from its GGUF) for a few steps on CPU:
 * a run killed with SIGKILL after a checkpoint and resumed ends with the same weights, bit for bit,
 * as the run never interrupted ({@code --threads 1}); the export is an HF Llama with the chat
 * template ({@code tools/reference/roundtrip.py} generates from it in transformers: the same greedy
 * tokens).
 */
@Tag("slow")
class SmolLm2SftTest {

    private static final int STEPS = 3;

    static SftTrainer.Builder trainer(Path model, Path data, Path out) {
        return SftTrainer.builder()
                .setModelDir(model)
                .setTrainFile(data.resolve("train.jsonl"))
                .optValidationFile(data.resolve("validation.jsonl"))
                .setOutputDir(out)
                .optMaxSteps(STEPS)
                .optBatchSize(2)
                .optMaxLength(64)
                .optLearningRate(2e-5)
                .optSeed(5)
                .optThreads(1)
                .optCheckpointEverySteps(2)
                // a checkpoint of a 135M model with its Adam moments is 1.6 GB: keep one
                .optKeepCheckpoints(1)
                .optEvalEverySteps(STEPS)
                .optSampling(GenerationConfig.greedy(8));
    }

    static Path model() throws Exception {
        return Hub.builder()
                .optCacheDir(Path.of("target/real-pull-cache"))
                .optOffline(false)
                .build()
                .pull("smollm2-135m-instruct")
                .path();
    }

    static void data(Path dir) throws Exception {
        String[][] qa = {
            {"What colour is the sky?", "Blue."},
            {"How many legs has a cat?", "Four."},
            {"What is 2 + 3?", "Five."},
            {"Name a fruit.", "An apple."},
            {"What do bees make?", "Honey."},
            {"Which planet do we live on?", "Earth."},
            {"What is frozen water?", "Ice."},
            {"What do cows drink?", "Water."},
        };
        StringBuilder train = new StringBuilder();
        for (String[] p : qa) {
            train.append("{\"prompt\": \"")
                    .append(p[0])
                    .append("\", \"completion\": \"")
                    .append(p[1])
                    .append("\"}\n");
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("train.jsonl"), train);
        Files.writeString(
                dir.resolve("validation.jsonl"),
                "{\"prompt\": \"What is the capital of France?\", \"completion\": \"Paris.\"}\n");
    }

    /** Child JVM: the same run, reporting each step and pausing after it (outside the maths). */
    public static void main(String[] args) throws Exception {
        trainer(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]))
                .optListener(
                        new TrainingListener() {
                            @Override
                            public void step(
                                    int step, int total, double loss, double lr, double elapsed) {
                                System.out.println("step " + step);
                                System.out.flush();
                                try {
                                    Thread.sleep(step == 3 ? 60_000 : 0);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        })
                .build()
                .train();
    }

    @Test
    void fewStepsRunAndAKilledRunResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        Path model = model();
        Path data = dir.resolve("data");
        data(data);

        TrainingReport<LanguageModelMetrics> straight =
                trainer(model, data, dir.resolve("straight")).build().train();
        assertEquals(STEPS, straight.steps());
        assertTrue(Double.isFinite(straight.best().metrics().loss()));
        FileTrees.deleteTree(
                dir.resolve("straight").resolve("checkpoints")); // only its export is compared

        Path killed = dir.resolve("killed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child =
                new ProcessBuilder(
                                java,
                                "-Dhubtune.home="
                                        + System.getProperty("hubtune.home", dir.toString()),
                                "-Dhubtune.natives=" + System.getProperty("hubtune.natives", ""),
                                "-cp",
                                System.getProperty("java.class.path"),
                                SmolLm2SftTest.class.getName(),
                                model.toString(),
                                data.toString(),
                                killed.toString())
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("step 3")) {
                // past the checkpoint of step 2, before the run ends
            }
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.isDirectory(killed.resolve("checkpoints")), "no checkpoint before kill");
        assertTrue(!Files.exists(killed.resolve("model")), "the killed run never exported");

        TrainingReport<LanguageModelMetrics> resumed =
                trainer(model, data, killed).optResume(true).build().train();
        assertEquals(2, resumed.resumedFromStep());
        Map<String, WeightTensor> a =
                Safetensors.read(straight.exported().resolve("model.safetensors"));
        Map<String, WeightTensor> b =
                Safetensors.read(resumed.exported().resolve("model.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).data(), b.get(name).data(), 0f, name);
        }
        assertTrue(Files.exists(straight.exported().resolve("tokenizer_config.json")));
        assertTrue(
                Files.readString(straight.exported().resolve("tokenizer_config.json"))
                        .contains("chat_template"),
                "the export keeps the chat template");
    }
}
