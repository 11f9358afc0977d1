package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run killed with SIGKILL and resumed ends with the same weights, bit for bit, as one never
 * interrupted — for every task of the shared loop.
 */
class ResumeTest {

    /**
     * Logged steps 13, 26, 30: the killed child logs step 13 after its checkpoint of step 12, so
     * the resumed run replays a logged step (which must not be written twice), and the window of
     * step 13 spans the checkpoint (its mean loss must survive the restart).
     */
    static final int LOG_EVERY = 13;

    /** Trains one task's run in {@code out}. */
    @FunctionalInterface
    interface Run {
        TrainingReport<?> train(Path out, boolean resume, TrainingListener listener)
                throws FinetuneException;
    }

    /** The run of {@code task} on the data in {@code root} (created by {@link #data}). */
    static Run run(String task, Path root) {
        // One thread: TensorFlow's CPU kernels are then deterministic, so "same" means bitwise.
        if (task.startsWith("classification")) {
            // "classification-2-devices": two towers on two CPU devices, one thread.
            int devices = task.endsWith("-2-devices") ? 2 : 1;
            return (out, resume, listener) ->
                    ClassifierTrainer.builder()
                            .setModelDir(root.resolve("bert/tiny-bert"))
                            .setTrainFile(root.resolve("train.csv"))
                            .setTextColumn("text")
                            .setLabelColumn("label")
                            .setOutputDir(out)
                            .optMaxSteps(30)
                            .optBatchSize(16)
                            .optLearningRate(2e-3)
                            .optMaxLength(32)
                            .optSeed(11)
                            .optThreads(1)
                            .optDevices(devices)
                            .optCheckpointEverySteps(4)
                            .optMetric("loss")
                            .optEvalEverySteps(10)
                            .optLogEverySteps(LOG_EVERY)
                            .optResume(resume)
                            .optListener(listener)
                            .build()
                            .train();
        }
        if (task.equals("sft")) {
            return (out, resume, listener) ->
                    SftTrainer.builder()
                            .setModelDir(root.resolve("llama"))
                            .setTrainFile(root.resolve("chats.jsonl"))
                            .setOutputDir(out)
                            .optMaxSteps(30)
                            .optBatchSize(8)
                            .optLearningRate(1e-3)
                            .optGradientAccumulation(2)
                            .optSeed(11)
                            .optThreads(1)
                            .optCheckpointEverySteps(4)
                            .optEvalEverySteps(10)
                            .optLogEverySteps(LOG_EVERY)
                            .optResume(resume)
                            .optListener(listener)
                            .build()
                            .train();
        }
        return (out, resume, listener) ->
                LanguageModelTrainer.builder()
                        .setModelDir(root.resolve("gpt2/gpt2-tiny"))
                        .setTrainFile(root.resolve("corpus.txt"))
                        .setOutputDir(out)
                        .optMaxSteps(30)
                        .optBatchSize(8)
                        .optBlockSize(32)
                        .optLearningRate(2e-3)
                        .optGradientAccumulation(2)
                        .optSeed(11)
                        .optThreads(1)
                        .optCheckpointEverySteps(4)
                        .optEvalEverySteps(10)
                        .optLogEverySteps(LOG_EVERY)
                        .optResume(resume)
                        .optListener(listener)
                        .build()
                        .train();
    }

    static void data(String task, Path root) throws Exception {
        if (task.startsWith("classification")) {
            ClassifierTrainerTest.tinyModel(root.resolve("bert"));
            ClassifierTrainerTest.syntheticCsv(root.resolve("train.csv"), 300, 9);
        } else if (task.equals("sft")) {
            Path tokenizer =
                    dev.hubtune.tokenizers.testing.Gpt2Files.bytesWithChatTemplate(
                            root.resolve("tok"));
            dev.hubtune.models.init.ModelInitializer.create(
                    "llama-tiny", tokenizer, root.resolve("llama"), 5);
            StringBuilder chats = new StringBuilder();
            java.util.Random r = new java.util.Random(9);
            for (int i = 0; i < 300; i++) {
                int a = r.nextInt(50);
                int b = r.nextInt(50);
                chats.append("{\"prompt\": \"")
                        .append(a)
                        .append('+')
                        .append(b)
                        .append("\", \"completion\": \"")
                        .append(a + b)
                        .append("\"}\n");
            }
            Files.writeString(root.resolve("chats.jsonl"), chats);
        } else {
            TinyGpt2Corpus.model(root.resolve("gpt2"));
            TinyGpt2Corpus.corpus(root.resolve("corpus.txt"), 400, 9);
        }
    }

    /** Child JVM: trains slowly (a pause per step, outside the maths) and reports each step. */
    public static void main(String[] args) throws Exception {
        run(args[0], Path.of(args[1]))
                .train(
                        Path.of(args[2]),
                        false,
                        new TrainingListener() {
                            @Override
                            public void step(
                                    int step, int total, double loss, double lr, double elapsed) {
                                System.out.println("step " + step);
                                System.out.flush();
                                try {
                                    Thread.sleep(150);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        });
    }

    @org.junit.jupiter.api.Test
    void preparingBatchesOnTheBackgroundThreadChangesNothing(@TempDir Path dir) throws Exception {
        data("classification", dir);
        Map<String, WeightTensor> weights = null;
        for (boolean prefetch : new boolean[] {true, false}) {
            TrainingReport<ClassificationMetrics> report =
                    ClassifierTrainer.builder()
                            .setModelDir(dir.resolve("bert/tiny-bert"))
                            .setTrainFile(dir.resolve("train.csv"))
                            .setTextColumn("text")
                            .setLabelColumn("label")
                            .setOutputDir(dir.resolve("prefetch-" + prefetch))
                            .optMaxSteps(12)
                            .optLearningRate(2e-3)
                            .optMaxLength(32)
                            .optThreads(1)
                            .optPrefetch(prefetch)
                            .build()
                            .train();
            Map<String, WeightTensor> w =
                    Safetensors.read(report.exported().resolve("model.safetensors"));
            if (weights != null) {
                for (String name : w.keySet()) {
                    assertArrayEquals(weights.get(name).data(), w.get(name).data(), 0f, name);
                }
            }
            weights = w;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classification", "classification-2-devices", "causal-lm", "sft"})
    void resumeAfterSigkillEqualsTheUninterruptedRun(String task, @TempDir Path dir)
            throws Exception {
        data(task, dir);
        Run run = run(task, dir);

        TrainingReport<?> straight = run.train(dir.resolve("straight"), false, null);

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
                                ResumeTest.class.getName(),
                                task,
                                dir.toString(),
                                killed.toString())
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("step 14")) {
            // wait until the run is past two checkpoints and mid-way to the next
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(
                Files.isDirectory(killed.resolve("checkpoints")),
                "checkpoints were written before the kill");
        assertTrue(!Files.exists(killed.resolve("model")), "the killed run never got to export");

        FinetuneException refused =
                assertThrows(FinetuneException.class, () -> run.train(killed, false, null));
        assertTrue(refused.getMessage().contains("--resume"), refused.getMessage());

        TrainingReport<?> resumed = run.train(killed, true, null);
        assertTrue(
                resumed.resumedFromStep() >= 8 && resumed.resumedFromStep() < 14,
                "resumed from step " + resumed.resumedFromStep());
        assertEquals(0, straight.resumedFromStep());
        assertEquals(straight.steps(), resumed.steps());
        assertEquals(
                straight.evaluations().stream().map(e -> e.metrics().loss()).toList(),
                resumed.evaluations().stream().map(e -> e.metrics().loss()).toList());
        Map<String, WeightTensor> a =
                Safetensors.read(straight.exported().resolve("model.safetensors"));
        Map<String, WeightTensor> b =
                Safetensors.read(resumed.exported().resolve("model.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(
                    a.get(name).data(), b.get(name).data(), 0f, name + " differs after resume");
        }
        List<String> metrics = withoutThroughput(killed.resolve("metrics.jsonl"));
        assertEquals(
                withoutThroughput(dir.resolve("straight/metrics.jsonl")),
                metrics,
                "the resumed run's metrics equal the uninterrupted run's, no line duplicated");
        assertEquals(
                List.of(13, 26, 30),
                metrics.stream()
                        .filter(l -> l.startsWith("{\"type\":\"train\""))
                        .map(l -> com.google.gson.JsonParser.parseString(l).getAsJsonObject())
                        .map(o -> o.get("step").getAsInt())
                        .toList());

        // TensorBoard: the killed process's events file and the resumed one's together hold the
        // uninterrupted run's curves — each tag at the same steps with the same values, no step
        // twice (throughput, wall-clock dependent, only at the same steps).
        List<TensorBoardEvents.Scalar> straightBoard =
                TensorBoardEvents.read(dir.resolve("straight/tensorboard"));
        List<TensorBoardEvents.Scalar> resumedBoard =
                TensorBoardEvents.read(killed.resolve("tensorboard"));
        assertTrue(
                resumedBoard.stream().map(TensorBoardEvents.Scalar::file).distinct().count() >= 2,
                "one events file per process");
        assertEquals(
                List.of(13L, 26L, 30L),
                resumedBoard.stream()
                        .filter(v -> v.tag().equals("train/loss"))
                        .map(TensorBoardEvents.Scalar::step)
                        .toList());
        assertTrue(resumedBoard.stream().anyMatch(v -> v.tag().equals("train/grad_norm")));
        assertTrue(resumedBoard.stream().anyMatch(v -> v.tag().equals("eval/eval_loss")));
        assertEquals(board(straightBoard), board(resumedBoard));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (TensorBoardEvents.Scalar v : resumedBoard) {
            assertTrue(seen.add(v.tag() + "@" + v.step()), "written twice: " + v);
        }
    }

    /** tag@step=value, sorted; throughput without its value. */
    private static List<String> board(List<TensorBoardEvents.Scalar> scalars) {
        return scalars.stream()
                .map(
                        v ->
                                v.tag()
                                        + "@"
                                        + v.step()
                                        + (v.tag().endsWith("per_second") ? "" : "=" + v.value()))
                .sorted()
                .toList();
    }

    /** metrics.jsonl's lines with the wall-clock dependent throughput taken out. */
    private static List<String> withoutThroughput(Path file) throws java.io.IOException {
        return Files.readAllLines(file).stream()
                .map(l -> l.replaceAll(",\"sequences_per_second\":[^,}]*", ""))
                .toList();
    }
}
