package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** finetune then predict on a tiny generated BERT, and the mistakes users make most. */
class FinetuneCommandTest {

    @TempDir Path dir;

    private Path tinyModel() throws Exception {
        return TinyBert.huggingFaceDir(dir);
    }

    private Path data() throws Exception {
        Random r = new Random(5);
        StringBuilder sb = new StringBuilder("body,intent\n");
        for (int i = 0; i < 400; i++) {
            boolean a = r.nextBoolean();
            sb.append(a ? "w7 " : "w9 ")
                    .append("w")
                    .append(10 + r.nextInt(20))
                    .append(" w")
                    .append(10 + r.nextInt(20))
                    .append(',')
                    .append(a ? "alpha" : "beta")
                    .append('\n');
        }
        Path csv = dir.resolve("train.csv");
        Files.writeString(csv, sb);
        return csv;
    }

    @Test
    void finetuneThenPredict() throws Exception {
        Path model = tinyModel();
        Path out = dir.resolve("run");
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--train",
                        data().toString(),
                        "--text-column",
                        "body",
                        "--label-column",
                        "intent",
                        "-o",
                        out.toString(),
                        "--epochs",
                        "3",
                        "--learning-rate",
                        "2e-3",
                        "-q");
        assertEquals(0, ft.exitCode(), ft.err());
        assertTrue(ft.out().contains("accuracy 1.0000"), ft.out());
        String[] lines = ft.out().strip().split("\n");
        assertEquals(out.resolve("model").toString(), lines[lines.length - 1]);
        assertTrue(ft.out().contains("tensorboard --logdir " + out.resolve("tensorboard")));

        CliRunner runs = CliRunner.run("runs", out.toString());
        assertEquals(0, runs.exitCode(), runs.err());
        String row = runs.out().strip().split("\n")[1];
        assertTrue(row.contains("Classification") && row.contains("tiny"), runs.out());
        assertTrue(row.contains(" 0.00200 ") || row.contains(" 0.002 "), runs.out());
        CliRunner runsJson = CliRunner.run("runs", out.toString(), "--json");
        var summary =
                JsonParser.parseString(runsJson.out())
                        .getAsJsonArray()
                        .get(0)
                        .getAsJsonObject()
                        .getAsJsonObject("summary");
        assertEquals(out.resolve("model").toString(), summary.get("exported").getAsString());
        assertTrue(summary.get("steps").getAsInt() > 0);
        assertEquals(summary.get("totalSteps").getAsInt(), summary.get("steps").getAsInt());
        assertTrue(summary.get("bestValue").getAsDouble() > 0);
        CliRunner notARun = CliRunner.run("runs", out.toString(), dir.toString());
        assertEquals(Hubtune.EXIT_USER_ERROR, notARun.exitCode());
        assertTrue(notARun.err().contains("is not a hubtune run"), notARun.err());
        assertEquals(1, notARun.err().strip().lines().count(), notARun.err());
        CliRunner predict =
                CliRunner.run(
                        "predict",
                        out.resolve("model").toString(),
                        "w7 w12 w13",
                        "w9 w12 w13",
                        "--json");
        assertEquals(0, predict.exitCode(), predict.err());
        var rows = JsonParser.parseString(predict.out()).getAsJsonArray();
        assertEquals("alpha", rows.get(0).getAsJsonObject().get("label").getAsString());
        assertEquals("beta", rows.get(1).getAsJsonObject().get("label").getAsString());

        CliRunner eval =
                CliRunner.run(
                        "eval",
                        out.resolve("model").toString(),
                        "--data",
                        data().toString(),
                        "--text-column",
                        "body",
                        "--label-column",
                        "intent",
                        "-q");
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("400 examples: accuracy"), eval.out());
        CliRunner evalMissing =
                CliRunner.run(
                        "eval",
                        out.resolve("model").toString(),
                        "--data",
                        dir.resolve("nope.csv").toString(),
                        "-q");
        assertEquals(Hubtune.EXIT_USER_ERROR, evalMissing.exitCode());
        assertTrue(evalMissing.err().contains("nope.csv"), evalMissing.err());
        CliRunner exportOver =
                CliRunner.run("export", out.resolve("model").toString(), "-o", out.toString());
        assertEquals(Hubtune.EXIT_USER_ERROR, exportOver.exitCode());
        assertTrue(exportOver.err().contains("not empty"), exportOver.err());

        CliRunner again =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--train",
                        data().toString(),
                        "--text-column",
                        "body",
                        "--label-column",
                        "intent",
                        "-o",
                        out.toString(),
                        "-q");
        assertEquals(Hubtune.EXIT_USER_ERROR, again.exitCode());
        assertTrue(again.err().contains("--overwrite"), again.err());
    }

    @Test
    void causalLmFromInitThroughFinetuneToGenerate() throws Exception {
        Path tokenizer =
                Gpt2Files.forWords(
                        dir.resolve("words"),
                        List.of("bob", "pat", "paris", "oslo", "lives", "in"));
        Path model = dir.resolve("gpt2");
        CliRunner init =
                CliRunner.run(
                        "init",
                        "gpt2-tiny",
                        "--tokenizer",
                        tokenizer.toString(),
                        "-o",
                        model.toString());
        assertEquals(0, init.exitCode(), init.err());
        StringBuilder corpus = new StringBuilder();
        Random r = new Random(2);
        for (int i = 0; i < 300; i++) {
            corpus.append(r.nextBoolean() ? "bob lives in paris." : "pat lives in oslo.")
                    .append("\n\n");
        }
        Path text = Files.writeString(dir.resolve("corpus.txt"), corpus);
        Path out = dir.resolve("lm");
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--task",
                        "causal-lm",
                        "--train",
                        text.toString(),
                        "--block-size",
                        "32",
                        "--max-steps",
                        "150",
                        "--batch-size",
                        "16",
                        "--learning-rate",
                        "3e-3",
                        "--sample-prompt",
                        "bob lives",
                        "--profile-step",
                        "3",
                        "-o",
                        out.toString());
        assertEquals(0, ft.exitCode(), ft.err());
        assertTrue(ft.out().contains("perplexity"), ft.out());
        assertTrue(ft.err().contains("bob lives|"), "samples are printed: " + ft.err());
        assertTrue(
                Files.readString(out.resolve("profile.txt")).contains("by op type"),
                "the traced step's profile is written");
        CliRunner gen =
                CliRunner.run(
                        "generate",
                        out.resolve("model").toString(),
                        "pat lives in",
                        "--max-new-tokens",
                        "2");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(gen.out().startsWith("pat lives in oslo."), gen.out() + ft.err());

        CliRunner wrong =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--task",
                        "causal-lm",
                        "--train",
                        text.toString(),
                        "--freeze-encoder",
                        "-o",
                        dir.resolve("lm2").toString());
        assertEquals(1, wrong.exitCode());
        assertTrue(wrong.err().contains("classification options"), wrong.err());
        CliRunner classifyGpt2 =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--train",
                        data().toString(),
                        "-o",
                        dir.resolve("lm3").toString());
        assertEquals(1, classifyGpt2.exitCode());
        assertTrue(classifyGpt2.err().contains("--task causal-lm"), classifyGpt2.err());
        CliRunner unknown =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--task",
                        "qa",
                        "--train",
                        text.toString(),
                        "-o",
                        "x");
        assertTrue(
                unknown.err().contains("token-classification (or ner), multi-label")
                        && unknown.err().contains("causal-lm"),
                unknown.err());
    }

    @Test
    void wrongColumnsAndUntrainedDirectoriesAreUserErrors() throws Exception {
        Path model = tinyModel();
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--train",
                        data().toString(),
                        "-o",
                        dir.resolve("r").toString(),
                        "-q");
        assertEquals(Hubtune.EXIT_USER_ERROR, ft.exitCode());
        assertTrue(
                ft.err().contains("no column 'text'") && ft.err().contains("[body, intent]"),
                ft.err());
        CliRunner predict = CliRunner.run("predict", model.toString(), "w1");
        assertEquals(Hubtune.EXIT_USER_ERROR, predict.exitCode());
        assertTrue(predict.err().contains("labels.json"), predict.err());
    }
}
