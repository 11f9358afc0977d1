package dev.hubtune.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every example runs, so none can rot. They pull the real all-MiniLM-L6-v2 (slow). */
@Tag("slow")
class ExamplesTest {

    @Test
    void semanticSearchFindsThePasswordEntry() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<SemanticSearch.Hit> hits =
                SemanticSearch.run(
                        "I forgot my login", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals("How do I reset my password?", hits.get(0).entry());
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("How do I reset my password?"));
    }

    @Test
    void fineTuneFromCsvLearnsTheTicketIntents(@TempDir Path dir) throws Exception {
        Path csv = Path.of("../cli/src/main/resources/quickstart/support-tickets.csv");
        var predictions =
                FineTuneFromCsv.run(
                        csv,
                        dir.resolve("run"),
                        List.of("my card was charged twice", "the app crashes at launch"),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals("billing", predictions.get(0).label());
        assertEquals("bug", predictions.get(1).label());
    }

    @Test
    void serveWithDjlPredictsThroughCriteria(@TempDir Path dir) throws Exception {
        float[] embedding =
                ServeWithDjl.run(
                        dir.resolve("export"),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(384, embedding.length);
        double norm = 0;
        for (float v : embedding) {
            norm += v * v;
        }
        assertEquals(1.0, norm, 1e-4);
    }
}
