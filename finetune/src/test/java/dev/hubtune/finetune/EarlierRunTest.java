package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An earlier run in the output directory survives every new run that cannot finish: bad data with
 * overwrite, a failure in the middle of an overwriting run, a resume with other settings. It is
 * replaced only by a run that exported its model.
 */
class EarlierRunTest {

    private static ClassifierTrainer.Builder trainer(Path root, Path train, Path out) {
        return ClassifierTrainer.builder()
                .setModelDir(root.resolve("bert/tiny-bert"))
                .setTrainFile(train)
                .setTextColumn("text")
                .setLabelColumn("label")
                .setOutputDir(out)
                .optMaxSteps(6)
                .optBatchSize(16)
                .optLearningRate(2e-3)
                .optMaxLength(32)
                .optSeed(11)
                .optThreads(1)
                .optCheckpointEverySteps(3)
                .optEvalEverySteps(3);
    }

    /** Every file of the run (not the user's), with its bytes, in a stable order. */
    private static List<String> snapshot(Path out) throws Exception {
        try (Stream<Path> files = Files.walk(out)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().equals("notes.txt"))
                    .sorted()
                    .map(
                            f -> {
                                try {
                                    return out.relativize(f)
                                            + " "
                                            + java.util.Arrays.hashCode(Files.readAllBytes(f));
                                } catch (java.io.IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            })
                    .toList();
        }
    }

    @Test
    void aRunThatCannotFinishLeavesTheEarlierOneAsItWas(@TempDir Path root) throws Exception {
        ResumeTest.data("classification", root);
        Path train = root.resolve("train.csv");
        Path out = root.resolve("run");
        trainer(root, train, out).build().train();
        Files.writeString(out.resolve("notes.txt"), "the user's own file");
        List<String> before = snapshot(out);
        assertTrue(before.stream().anyMatch(f -> f.startsWith("model/")), before.toString());

        // Overwrite with data that has no label column: refused before anything moves.
        Path noLabels = root.resolve("no-labels.csv");
        Files.writeString(noLabels, "text,category\nhello,a\nworld,b\n");
        assertThrows(
                FinetuneException.class,
                () -> trainer(root, noLabels, out).optOverwrite(true).build().train());
        assertEquals(before, snapshot(out), "bad data with --overwrite");

        // Overwrite that fails in the middle of training: the earlier run comes back.
        TrainingListener failing =
                new TrainingListener() {
                    @Override
                    public void step(int step, int total, double loss, double lr, double elapsed) {
                        if (step == 4) {
                            throw new IllegalStateException("disk full (simulated)");
                        }
                    }
                };
        assertThrows(
                IllegalStateException.class,
                () ->
                        trainer(root, train, out)
                                .optOverwrite(true)
                                .optLearningRate(1e-3)
                                .optListener(failing)
                                .build()
                                .train());
        assertEquals(before, snapshot(out), "a failure during an overwriting run");

        // Resume with another batch size: refused, the exported model stays.
        FinetuneException other =
                assertThrows(
                        FinetuneException.class,
                        () ->
                                trainer(root, train, out)
                                        .optBatchSize(8)
                                        .optResume(true)
                                        .build()
                                        .train());
        assertTrue(other.getMessage().contains("other data or settings"), other.getMessage());
        assertEquals(before, snapshot(out), "a resume with other settings");

        // A run that finishes replaces the earlier one, and only the run's files.
        trainer(root, train, out).optOverwrite(true).optLearningRate(1e-3).build().train();
        List<String> after = snapshot(out);
        assertNotEquals(before, after);
        assertTrue(after.stream().anyMatch(f -> f.startsWith("model/")), after.toString());
        assertEquals("the user's own file", Files.readString(out.resolve("notes.txt")));
        try (Stream<Path> entries = Files.list(out)) {
            assertTrue(
                    entries.noneMatch(e -> e.getFileName().toString().startsWith(".")),
                    "nothing set aside is left behind");
        }
    }
}
