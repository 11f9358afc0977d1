package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.models.testing.TinyBert;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the machine, provoked for real in a child JVM under a resource limit: a disk that fills
 * while a checkpoint is written ({@code ulimit -f}: writes past the limit fail with EFBIG, as they
 * fail with ENOSPC on a full disk), and a batch larger than the memory TensorFlow may use ({@code
 * TF_MKL_ALLOC_MAX_BYTES} caps its CPU allocator).
 */
@Tag("slow")
class FaultsTest {

    /** Child JVM: {@code resume ROOT OUT} continues a run; {@code oom MODEL DATA OUT} trains. */
    public static void main(String[] args) throws Exception {
        try {
            if (args[0].equals("resume")) {
                ResumeTest.run("classification", Path.of(args[1]))
                        .train(Path.of(args[2]), true, null);
            } else {
                ClassifierTrainer.builder()
                        .setModelDir(Path.of(args[1]))
                        .setTrainFile(Path.of(args[2]))
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(Path.of(args[3]))
                        .optBatchSize(Integer.parseInt(args[4]))
                        .optMaxLength(512)
                        .optMaxSteps(2)
                        // one thread: ops run in a fixed order, so the same allocation fails
                        .optThreads(1)
                        .build()
                        .train();
            }
            System.out.println("FINISHED");
        } catch (FinetuneException e) {
            System.out.println("FAILED: " + e.getMessage());
            System.exit(3);
        }
    }

    private static Process child(String limit, String... args) throws IOException {
        return child(limit, Map.of(), args);
    }

    private static Process child(String limit, Map<String, String> env, String... args)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-XX:-UsePerfData");
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FaultsTest.class.getName());
        command.addAll(List.of(args));
        StringBuilder shell = new StringBuilder(limit + " && exec");
        for (String c : command) {
            shell.append(" '").append(c.replace("'", "'\\''")).append("'");
        }
        ProcessBuilder pb =
                new ProcessBuilder("bash", "-c", shell.toString()).redirectErrorStream(true);
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return out;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void aDiskThatFillsWhileCheckpointingKeepsThePreviousCheckpoint(@TempDir Path dir)
            throws Exception {
        ResumeTest.data("classification", dir);
        Path out = dir.resolve("run");
        // A run that crashes after step 9 leaves checkpoints of steps 4 and 8.
        RuntimeException crash =
                assertThrows(
                        RuntimeException.class,
                        () ->
                                ResumeTest.run("classification", dir)
                                        .train(
                                                out,
                                                false,
                                                new TrainingListener() {
                                                    @Override
                                                    public void step(
                                                            int step,
                                                            int total,
                                                            double loss,
                                                            double lr,
                                                            double elapsed) {
                                                        if (step == 9) {
                                                            throw new IllegalStateException(
                                                                    "crash");
                                                        }
                                                    }
                                                }));
        assertEquals("crash", crash.getMessage());
        Path checkpoints = out.resolve("checkpoints");
        Path step8 = checkpoints.resolve("step-00000008");
        List<String> before = listing(checkpoints);
        byte[] variables = Files.readAllBytes(step8.resolve("variables.safetensors"));
        byte[] state = Files.readAllBytes(step8.resolve("state.json"));

        // Resumed where files may not grow past half a checkpoint: the next one cannot be written.
        long limitKb = variables.length / 2 / 1024;
        Process p = child("ulimit -f " + limitKb, "resume", dir.toString(), out.toString());
        String log = output(p);
        assertEquals(3, p.exitValue(), log);
        assertTrue(log.contains("FAILED: could not write"), log);
        assertTrue(log.contains(step8 + " is intact"), log);
        assertTrue(log.contains("--resume"), log);
        // The best model (weights only, a third of a checkpoint) still fitted at step 10; the step
        // checkpoint after it did not, and left no trace.
        List<String> after = listing(checkpoints);
        assertEquals(
                before,
                after.stream().filter(f -> !f.startsWith("best")).toList(),
                "no partial checkpoint, nothing removed: " + after);
        assertArrayEquals(variables, Files.readAllBytes(step8.resolve("variables.safetensors")));
        assertArrayEquals(state, Files.readAllBytes(step8.resolve("state.json")));

        // With space again, the same command finishes the run.
        TrainingReport<?> resumed = ResumeTest.run("classification", dir).train(out, true, null);
        assertEquals(30, resumed.steps());
        assertEquals(8, resumed.resumedFromStep());
    }

    @Test
    void aBatchThatDoesNotFitInMemorySaysWhatToDo(@TempDir Path dir) throws Exception {
        Path vocab = TinyBert.vocab(Files.createDirectories(dir.resolve("vocab")));
        Path model = ModelInitializer.create("bert-tiny", vocab, dir.resolve("bert-tiny"), 1);
        Random r = new Random(1);
        StringBuilder csv = new StringBuilder("text,label\n");
        for (int i = 0; i < 600; i++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 600; w++) {
                text.append(w == 0 ? "" : " ").append("w").append(r.nextInt(35));
            }
            csv.append(text).append(',').append(i % 2).append('\n');
        }
        Path data = Files.writeString(dir.resolve("long.csv"), csv);
        // TensorFlow's CPU allocator capped at 256 MiB (TF 2.18: its BFC allocator with a memory
        // limit; TF 2.10's oneDNN pool read TF_MKL_ALLOC_MAX_BYTES): the batch's activations do
        // not fit, and TensorFlow reports it as it does on a full machine. (A process-wide
        // ulimit -v is no good here: it can make an allocation fail inside a fused oneDNN kernel,
        // which then crashes instead of reporting.)
        Process p =
                child(
                        "true",
                        Map.of(
                                "TF_CPU_ALLOCATOR_USE_BFC", "true",
                                "TF_CPU_BFC_MEM_LIMIT_IN_MB", "256"),
                        "oom",
                        model.toString(),
                        data.toString(),
                        dir.resolve("run").toString(),
                        "256");
        String log = output(p);
        assertEquals(3, p.exitValue(), log);
        assertTrue(log.contains("did not fit in memory"), log);
        assertTrue(log.contains("--gradient-accumulation"), log);
    }
}
