package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24 items 9 and 10: a damaged newest checkpoint (truncated weights, garbage state) is passed
 * over for the previous intact one; what a killed run left half-written is tidied at the next
 * start.
 */
class CheckpointRecoveryTest {

    /** A run that crashed after step 9, leaving the checkpoints of steps 4 and 8. */
    private static Path crashedRun(Path dir) throws Exception {
        ResumeTest.data("classification", dir);
        Path out = dir.resolve("run");
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
                                                    throw new IllegalStateException("crash");
                                                }
                                            }
                                        }));
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-00000004")));
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-00000008")));
        return out;
    }

    @Test
    void aTruncatedLatestCheckpointFallsBackToThePreviousOne(@TempDir Path dir) throws Exception {
        Path out = crashedRun(dir);
        Path weights = out.resolve("checkpoints/step-00000008/variables.safetensors");
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        TrainingReport<?> resumed = ResumeTest.run("classification", dir).train(out, true, null);
        assertEquals(4, resumed.resumedFromStep());
        assertEquals(30, resumed.steps());
    }

    @Test
    void aGarbageStateFileFallsBackAndTwoDamagedCheckpointsAreAOneLineError(@TempDir Path dir)
            throws Exception {
        Path out = crashedRun(dir);
        Files.writeString(out.resolve("checkpoints/step-00000008/state.json"), "{\"step\": [1,");
        Files.writeString(out.resolve("checkpoints/step-00000004/state.json"), "null");
        FinetuneException e =
                assertThrows(
                        FinetuneException.class,
                        () -> ResumeTest.run("classification", dir).train(out, true, null));
        assertTrue(e.getMessage().contains("no checkpoint in"), e.getMessage());
        assertTrue(e.getMessage().contains("step-00000008"), e.getMessage());
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void halfWrittenFoldersOfAKilledRunAreCleanedAndASetAsideBestIsRestored(@TempDir Path dir)
            throws IOException {
        Path run = dir.resolve("run");
        Path cp = Files.createDirectories(run.resolve("checkpoints"));
        Files.createDirectories(cp.resolve(".tmp-1234/sub"));
        Files.writeString(cp.resolve(".tmp-1234/variables.safetensors"), "partial");
        Files.createDirectories(cp.resolve(".new-best-5678"));
        Files.createDirectories(cp.resolve(".old-best-9abc"));
        Files.writeString(cp.resolve(".old-best-9abc/variables.safetensors"), "best weights");
        Files.createDirectories(cp.resolve("step-00000004"));

        assertEquals(2, new Checkpoints(run, 2).recover());
        assertFalse(Files.exists(cp.resolve(".tmp-1234")));
        assertFalse(Files.exists(cp.resolve(".new-best-5678")));
        assertEquals("best weights", Files.readString(cp.resolve("best/variables.safetensors")));
        assertTrue(Files.isDirectory(cp.resolve("step-00000004")));
        assertEquals(0, new Checkpoints(run, 2).recover());
    }

    @Test
    void aGarbageStateIsAnIoExceptionNamingTheFile(@TempDir Path dir) throws IOException {
        for (String garbage :
                new String[] {
                    "", "[]", "{\"step\":-3,\"fingerprint\":\"x\",\"evaluations\":[]}", "{"
                }) {
            Files.writeString(dir.resolve("state.json"), garbage);
            IOException e =
                    assertThrows(
                            IOException.class,
                            () -> Checkpoints.readState(dir, ClassificationMetrics.class),
                            garbage);
            assertTrue(e.getMessage().contains("state.json"), e.getMessage());
        }
    }
}
