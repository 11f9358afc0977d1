package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.testing.TinyBert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code finetune --task token-classification|multi-label|regression|embedding} on a tiny BERT:
 * progress, metrics.jsonl, report.png and the exported model, then {@code predict} on the NER model
 * printing entities; options of one task are refused for another.
 */
class FinetuneTasksCommandTest {

    @TempDir Path dir;

    /** NER: w1 starts a person, w2 continues it; the rest is outside. */
    private Path nerData() throws Exception {
        Random r = new Random(3);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            List<String> lines = new ArrayList<>();
            int n = 3 + r.nextInt(5);
            for (int k = 0; k < n; k++) {
                lines.add("w" + (10 + r.nextInt(25)) + " O");
            }
            int at = r.nextInt(n);
            lines.add(at, "w1 B-PER");
            if (r.nextBoolean()) {
                lines.add(at + 1, "w2 I-PER");
            }
            sb.append(String.join("\n", lines)).append("\n\n");
        }
        Path f = dir.resolve("ner.conll");
        Files.writeString(f, sb);
        return f;
    }

    private Path textData(String task) throws Exception {
        Random r = new Random(4);
        StringBuilder sb =
                new StringBuilder(task.equals("embedding") ? "anchor,positive\n" : "text,label\n");
        for (int i = 0; i < 60; i++) {
            String a = "w" + (10 + r.nextInt(25)) + " w" + (10 + r.nextInt(25));
            String b = "w" + (10 + r.nextInt(25)) + " w1";
            sb.append(a).append(',');
            switch (task) {
                case "multi-label" -> sb.append(r.nextBoolean() ? "\"x,y\"" : "y");
                case "regression" -> sb.append(r.nextInt(5));
                default -> sb.append(b);
            }
            sb.append('\n');
        }
        Path f = dir.resolve(task + ".csv");
        Files.writeString(f, sb);
        return f;
    }

    @Test
    void nerFinetuneThenPredictPrintsEntities() throws Exception {
        Path model = TinyBert.huggingFaceDir(dir);
        Path out = dir.resolve("ner-run");
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--task",
                        "ner",
                        "--train",
                        nerData().toString(),
                        "-o",
                        out.toString(),
                        "--epochs",
                        "3",
                        "--learning-rate",
                        "3e-3",
                        "--max-length",
                        "16",
                        "--stride",
                        "4");
        assertEquals(0, ft.exitCode(), ft.err());
        assertTrue(ft.err().contains("entity F1"), ft.err());
        assertTrue(ft.out().contains("entity F1 1.0000"), ft.out());
        assertTrue(Files.isRegularFile(out.resolve("metrics.jsonl")));
        assertTrue(Files.isRegularFile(out.resolve("report.png")));

        CliRunner text = CliRunner.run("predict", out.toString(), "w12 w1 w2 w13", "-q");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("PER") && text.out().contains("[4, 9)  w1 w2"), text.out());
        // 13 words read in windows of 8 tokens: the person past the first window is found
        CliRunner windowed =
                CliRunner.run(
                        "predict",
                        out.toString(),
                        "w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w1 w2 w13",
                        "--max-length",
                        "8",
                        "-q");
        assertEquals(0, windowed.exitCode(), windowed.err());
        assertTrue(windowed.out().contains("[40, 45)  w1 w2"), windowed.out());
        CliRunner json =
                CliRunner.run(
                        "predict",
                        out.toString(),
                        "w12 w1 w2 w13",
                        "w20 w21",
                        "--aggregation",
                        "max",
                        "--json");
        assertEquals(0, json.exitCode(), json.err());
        JsonArray rows = JsonParser.parseString(json.out()).getAsJsonArray();
        JsonObject entity =
                rows.get(0).getAsJsonObject().getAsJsonArray("entities").get(0).getAsJsonObject();
        assertEquals("PER", entity.get("type").getAsString());
        assertEquals(4, entity.get("start").getAsInt());
        assertEquals(9, entity.get("end").getAsInt());
        assertEquals(0, rows.get(1).getAsJsonObject().getAsJsonArray("entities").size());

        CliRunner bad =
                CliRunner.run("predict", out.toString(), "w1", "--aggregation", "mean", "-q");
        assertEquals(Hubtune.EXIT_USER_ERROR, bad.exitCode());
        assertTrue(bad.err().contains("first, average"), bad.err());
    }

    @ParameterizedTest
    @CsvSource({
        "multi-label, micro-F1",
        "regression, Pearson",
        "embedding, nDCG@10",
    })
    void everyTaskTrainsWithProgressMetricsAndReport(String task, String metric) throws Exception {
        Path model = TinyBert.huggingFaceDir(dir);
        Path out = dir.resolve(task + "-run");
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--task",
                        task,
                        "--train",
                        textData(task).toString(),
                        "-o",
                        out.toString(),
                        "--max-steps",
                        "4",
                        "--batch-size",
                        "8",
                        "--max-length",
                        "16");
        assertEquals(0, ft.exitCode(), ft.err());
        assertTrue(ft.err().contains(metric), ft.err());
        assertTrue(Files.readString(out.resolve("metrics.jsonl")).contains("eval_loss"));
        assertTrue(Files.isRegularFile(out.resolve("report.png")));
        assertTrue(Files.isRegularFile(out.resolve("model/config.json")));
        if (task.equals("embedding")) {
            assertTrue(Files.isRegularFile(out.resolve("model/modules.json")));
            CliRunner embed =
                    CliRunner.run("embed", out.resolve("model").toString(), "w1 w12", "-q");
            assertEquals(0, embed.exitCode(), embed.err());
        } else {
            CliRunner predict = CliRunner.run("predict", out.toString(), "w12 w13", "--json", "-q");
            assertEquals(0, predict.exitCode(), predict.err());
        }
    }

    @Test
    void anOptionOfAnotherTaskIsRefused() throws Exception {
        Path model = TinyBert.huggingFaceDir(dir);
        CliRunner r =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--task",
                        "regression",
                        "--train",
                        textData("regression").toString(),
                        "-o",
                        dir.resolve("x").toString(),
                        "--stride",
                        "8");
        assertEquals(Hubtune.EXIT_USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("--stride is a --task token-classification option"), r.err());
    }
}
