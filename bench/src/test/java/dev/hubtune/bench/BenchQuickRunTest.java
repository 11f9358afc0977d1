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

/** {@code bench/run --quick hub} runs and writes its table (no timing is asserted). */
@Tag("slow")
class BenchQuickRunTest {

    @Test
    void theQuickHubBenchmarkWritesATable(@TempDir Path dir) throws Exception {
        int status = Bench.run(new String[] {"--quick", "--out", dir.toString(), "hub"});
        assertEquals(0, status, "every row measured or explained");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        }
        assertEquals(1, files.size(), files.toString());
        assertTrue(
                files.get(0).getFileName().toString().endsWith("-hub-quick.md"), files.toString());
        String table = Files.readString(files.get(0));
        assertTrue(table.contains("| metric | hubtune | peer | ratio | goal | verdict |"), table);
        assertTrue(table.lines().filter(l -> l.startsWith("| ")).count() >= 3, table);
    }
}
