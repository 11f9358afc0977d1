package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TensorFlow's summary ops write event files that the TFRecord + Event reader reads back. */
class TensorBoardWriterTest {

    @Test
    void scalarsWrittenByTheSummaryOpsReadBackAtTheirSteps(@TempDir Path dir) throws Exception {
        try (TensorBoardWriter w = TensorBoardWriter.open(dir)) {
            for (int step = 10; step <= 30; step += 10) {
                w.scalar("train/loss", step, 1.0 / step);
                w.scalar("train/learning_rate", step, step * 1e-4);
            }
            w.flush();
        }
        List<TensorBoardEvents.Scalar> read = TensorBoardEvents.read(dir);
        assertEquals(6, read.size(), read.toString());
        List<TensorBoardEvents.Scalar> loss =
                read.stream().filter(s -> s.tag().equals("train/loss")).toList();
        assertEquals(List.of(10L, 20L, 30L), loss.stream().map(s -> s.step()).toList());
        assertEquals((float) (1.0 / 20), loss.get(1).value());
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(
                    files.allMatch(
                            f -> f.getFileName().toString().startsWith("events.out.tfevents.")));
        }
    }

    @Test
    void aSecondWriterContinuesEachTagAfterItsLastStep(@TempDir Path dir) throws Exception {
        try (TensorBoardWriter w = TensorBoardWriter.open(dir)) {
            w.scalar("a", 10, 1);
            w.scalar("a", 20, 2);
            w.scalar("b", 10, 5);
        }
        // A resumed process replays steps 10..30: only what is new for each tag is written.
        try (TensorBoardWriter w = TensorBoardWriter.open(dir)) {
            w.scalar("a", 10, 9);
            w.scalar("b", 10, 9);
            w.scalar("a", 20, 9);
            w.scalar("b", 20, 6);
            w.scalar("a", 30, 3);
        }
        List<TensorBoardEvents.Scalar> read = TensorBoardEvents.read(dir);
        assertEquals(
                List.of("a@10=1.0", "a@20=2.0", "b@10=5.0", "b@20=6.0", "a@30=3.0"),
                read.stream().map(s -> s.tag() + "@" + s.step() + "=" + s.value()).toList());
        assertEquals(2, read.stream().map(s -> s.file()).distinct().count());
    }

    @Test
    void aRecordCutShortEndsTheFile(@TempDir Path dir) throws Exception {
        try (TensorBoardWriter w = TensorBoardWriter.open(dir)) {
            w.scalar("a", 1, 1);
            w.scalar("a", 2, 2);
        }
        Path file;
        try (Stream<Path> files = Files.list(dir)) {
            file = files.findFirst().orElseThrow();
        }
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 5));
        assertEquals(List.of(1L), TensorBoardEvents.read(dir).stream().map(s -> s.step()).toList());
    }
}
