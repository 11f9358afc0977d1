package dev.hubtune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench/run --quick} runs and writes a table; its numbers are never asserted. */
@Tag("slow")
class BenchQuickRunTest {

    @Test
    void quickModeWritesAResultsTable(@TempDir Path out) throws Exception {
        List<Row> rows = HubBenchmarks.run(Files.createDirectories(out.resolve("work")), true);
        assertTrue(rows.size() >= 2, rows.toString());
        String table = Bench.table(rows, true);
        Files.writeString(out.resolve("table.md"), table);
        try (Stream<String> lines = Files.lines(out.resolve("table.md"))) {
            assertEquals(
                    rows.size(),
                    lines.filter(l -> l.startsWith("| ") && !l.startsWith("| metric")).count());
        }
    }
}
