package dev.hubtune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness formats what it measured; timings are never asserted (benchmarks are not tests). */
class BenchSmokeTest {

    @Test
    void samplesReportMedianAndRange() {
        Samples s = new Samples();
        for (double v : new double[] {5, 1, 3, 2}) {
            s.add(v);
        }
        assertEquals(2.5, s.median());
        assertEquals("2.5 (1.0–5.0) ms", s.format("ms", 1));
    }

    @Test
    void theTableHasOneLinePerRow() throws Exception {
        String table = Bench.table(List.of(new Row("m", "1", "2", "0.5", "g", "missed")), true);
        assertTrue(table.contains("| metric | hubtune | peer | ratio | goal | verdict |"), table);
        assertTrue(table.contains("| m | 1 | 2 | 0.5 | g | missed |"), table);
    }
}
