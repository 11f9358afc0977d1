package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user hits in the first hour with the Hugging Face ecosystem: exports that keep what
 * the model is, classifiers transformers made, run directories given instead of run/model, lengths
 * longer than the model, and causal-LM runs exported.
 */
class InteropCommandsTest {

    @TempDir static Path dir;
    private static Path run;

    /** One tiny classifier run with custom columns and max length, shared by the tests. */
    @BeforeAll
    static void train() throws Exception {
        Random r = new Random(5);
        StringBuilder sb = new StringBuilder("body,intent\n");
        for (int i = 0; i < 300; i++) {
            boolean a = r.nextBoolean();
            sb.append(a ? "w7 " : "w9 ")
                    .append("w")
                    .append(10 + r.nextInt(20))
                    .append(',')
                    .append(a ? "alpha" : "beta")
                    .append('\n');
        }
        Files.writeString(dir.resolve("train.csv"), sb);
        run = dir.resolve("run");
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        TinyBert.huggingFaceDir(dir).toString(),
                        "--train",
                        dir.resolve("train.csv").toString(),
                        "--text-column",
                        "body",
                        "--label-column",
                        "intent",
                        "--max-length",
                        "16",
                        "--epochs",
                        "2",
                        "--learning-rate",
                        "2e-3",
                        "-o",
                        run.toString(),
                        "-q");
        assertEquals(0, ft.exitCode(), ft.err());
    }

    @Test
    void theRunDirectoryStandsForItsModelAndEvalReusesTheTrainingColumns() {
        CliRunner predict = CliRunner.run("predict", run.toString(), "w7 w12", "--json");
        assertEquals(0, predict.exitCode(), predict.err());
        assertEquals(
                "alpha",
                JsonParser.parseString(predict.out())
                        .getAsJsonArray()
                        .get(0)
                        .getAsJsonObject()
                        .get("label")
                        .getAsString());
        // No --text-column/--label-column: the training's (body, intent) are used.
        CliRunner eval =
                CliRunner.run(
                        "eval", run.toString(), "--data", dir.resolve("train.csv").toString());
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(eval.out().contains("accuracy"), eval.out());
    }

    @Test
    void huggingFaceExportKeepsTheClassifierHead() throws Exception {
        Path out = dir.resolve("hf-export");
        CliRunner export =
                CliRunner.run("export", run.toString(), "--format", "hf", "-o", out.toString());
        assertEquals(0, export.exitCode(), export.err());
        JsonObject config =
                JsonParser.parseString(Files.readString(out.resolve("config.json")))
                        .getAsJsonObject();
        assertEquals(
                "BertForSequenceClassification",
                config.getAsJsonArray("architectures").get(0).getAsString());
        assertEquals("alpha", config.getAsJsonObject("id2label").get("0").getAsString());
        Map<String, WeightTensor> weights = Safetensors.read(out.resolve("model.safetensors"));
        assertTrue(weights.containsKey("classifier.weight"), weights.keySet().toString());
        assertTrue(weights.containsKey("bert.pooler.dense.weight"), weights.keySet().toString());
        // The export predicts as the run does.
        assertEquals(probabilities(run), probabilities(out));
    }

    @Test
    void aClassifierTransformersWroteNeedsNoLabelsJson() throws Exception {
        Path out = dir.resolve("transformers-style");
        assertEquals(
                0,
                CliRunner.run("export", run.toString(), "--format", "hf", "-o", out.toString())
                        .exitCode());
        Files.delete(out.resolve("labels.json"));
        Files.delete(out.resolve("hubtune.json"));
        assertEquals(probabilities(run), probabilities(out));
    }

    @Test
    void lengthsBeyondTheModelsPositionsAreClampedNotACrash() {
        // The tiny BERT has 64 positions; 300 words would index past them.
        String longText = "w7 ".repeat(300).trim();
        CliRunner predict =
                CliRunner.run("predict", run.toString(), longText, "--max-length", "256");
        assertEquals(0, predict.exitCode(), predict.err());
        assertTrue(predict.out().startsWith("alpha"), predict.out());
        CliRunner embed = CliRunner.run("embed", run.resolve("model").toString(), longText);
        assertEquals(0, embed.exitCode(), embed.err());
    }

    @Test
    void aMeanPoolingClassifierIsExportedForSentenceTransformersNotAsABrokenTransformersOne()
            throws Exception {
        Path out = dir.resolve("mean-run");
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        TinyBert.huggingFaceDir(dir.resolve("mean-base")).toString(),
                        "--train",
                        dir.resolve("train.csv").toString(),
                        "--text-column",
                        "body",
                        "--label-column",
                        "intent",
                        "--pooling",
                        "MEAN",
                        "--max-steps",
                        "4",
                        "-o",
                        out.toString(),
                        "-q");
        assertEquals(0, ft.exitCode(), ft.err());
        Path model = out.resolve("model");
        JsonObject config =
                JsonParser.parseString(Files.readString(model.resolve("config.json")))
                        .getAsJsonObject();
        assertEquals("BertModel", config.getAsJsonArray("architectures").get(0).getAsString());
        assertFalse(
                Safetensors.read(model.resolve("model.safetensors"))
                        .containsKey("classifier.weight"),
                "no head transformers would load with a pooler it never had");
        JsonArray modules =
                JsonParser.parseString(Files.readString(model.resolve("modules.json")))
                        .getAsJsonArray();
        assertEquals(3, modules.size(), modules.toString());
        assertTrue(
                Files.readString(model.resolve("1_Pooling/config.json"))
                        .contains("\"pooling_mode_mean_tokens\": true"));
        assertTrue(Files.isRegularFile(model.resolve("2_Dense/model.safetensors")));
        CliRunner predict = CliRunner.run("predict", model.toString(), "w7 w12");
        assertEquals(0, predict.exitCode(), predict.err());
    }

    @Test
    void aCausalLmRunExportsForTransformersAndForServing() throws Exception {
        Path tokenizer =
                Gpt2Files.forWords(dir.resolve("words"), List.of("bob", "pat", "lives", "in"));
        Path base = dir.resolve("gpt2");
        assertEquals(
                0,
                CliRunner.run(
                                "init",
                                "gpt2-tiny",
                                "--tokenizer",
                                tokenizer.toString(),
                                "-o",
                                base.toString())
                        .exitCode());
        Path corpus =
                Files.writeString(dir.resolve("corpus.txt"), "bob lives in paris.\n\n".repeat(200));
        Path lm = dir.resolve("lm");
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        base.toString(),
                        "--task",
                        "causal-lm",
                        "--train",
                        corpus.toString(),
                        "--block-size",
                        "16",
                        "--max-steps",
                        "3",
                        "-o",
                        lm.toString(),
                        "-q");
        assertEquals(0, ft.exitCode(), ft.err());
        Path hf = dir.resolve("lm-hf");
        CliRunner exportHf =
                CliRunner.run("export", lm.toString(), "--format", "hf", "-o", hf.toString());
        assertEquals(0, exportHf.exitCode(), exportHf.err());
        assertTrue(Files.readString(hf.resolve("config.json")).contains("GPT2LMHeadModel"));
        Path served = dir.resolve("lm-savedmodel");
        CliRunner exportSaved = CliRunner.run("export", lm.toString(), "-o", served.toString());
        assertEquals(0, exportSaved.exitCode(), exportSaved.err());
        assertTrue(Files.isRegularFile(served.resolve("saved_model.pb")));
        dev.hubtune.models.runtime.TensorFlowRuntime.load();
        try (var bundle = org.tensorflow.SavedModelBundle.load(served.toString(), "serve");
                var ids =
                        org.tensorflow.types.TInt32.tensorOf(
                                org.tensorflow.ndarray.StdArrays.ndCopyOf(
                                        new int[][] {{1, 2, 3}}));
                var result = bundle.call(Map.of("input_ids", ids))) {
            var logits = (org.tensorflow.types.TFloat32) result.get("last_logits").orElseThrow();
            assertArrayEquals(new long[] {1, vocab(hf)}, logits.shape().asArray());
        }
        // A prompt longer than the model's positions is reported with its real length.
        CliRunner tooLong =
                CliRunner.run("generate", lm.toString(), "bob lives in ".repeat(120).trim(), "-q");
        assertEquals(Hubtune.EXIT_USER_ERROR, tooLong.exitCode());
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("the prompt has (\\d+) tokens")
                        .matcher(tooLong.err());
        assertTrue(m.find(), tooLong.err());
        assertTrue(
                Integer.parseInt(m.group(1)) > 256,
                "the real length, not the truncated: " + tooLong.err());
    }

    private static int vocab(Path model) throws Exception {
        return JsonParser.parseString(Files.readString(model.resolve("config.json")))
                .getAsJsonObject()
                .get("vocab_size")
                .getAsInt();
    }

    private static String probabilities(Path model) {
        CliRunner r = CliRunner.run("predict", model.toString(), "w7 w12", "w9 w13", "--json");
        assertEquals(0, r.exitCode(), r.err());
        StringBuilder sb = new StringBuilder();
        for (var row : JsonParser.parseString(r.out()).getAsJsonArray()) {
            sb.append(row.getAsJsonObject().get("probabilities")).append(';');
        }
        return sb.toString();
    }
}
