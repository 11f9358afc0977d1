package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune --lora}, then the adapter applied with {@code predict BASE --adapter} and merged
 * with {@code export BASE --adapter DIR --merge}; LoRA on all-MiniLM-L6-v2 against the full
 * fine-tune on the quickstart tickets.
 */
class LoraCommandsTest {

    @TempDir Path dir;

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
    void loraFinetuneThenPredictWithTheAdapterAndMerged() throws Exception {
        Path model = TinyBert.huggingFaceDir(dir);
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
                        "6",
                        "--learning-rate",
                        "5e-3",
                        "--lora-r",
                        "4",
                        "--lora-alpha",
                        "16",
                        "-q");
        assertEquals(0, ft.exitCode(), ft.err());
        assertTrue(ft.out().contains("accuracy 1.0000"), ft.out());
        // q and v of 2 layers (32·4 + 4·32 each), pooler and classifier
        long trainable = 4 * (32 * 4 + 4 * 32) + (32 * 32 + 32) + (32 * 2 + 2);
        assertTrue(
                ft.out()
                        .contains(
                                String.format(
                                        java.util.Locale.ROOT,
                                        "trainable params: %,d of",
                                        trainable)),
                ft.out());
        assertTrue(ft.out().contains("LoRA adapter (PEFT): " + out.resolve("adapter")), ft.out());

        List<String> texts = List.of("w7 w12 w13", "w9 w12 w13", "w7 w20 w21");
        float[][] merged =
                probabilities(
                        CliRunner.run(
                                args("predict", out.resolve("model"), texts)
                                        .toArray(String[]::new)));
        List<String> withAdapter = new ArrayList<>(args("predict", model, texts));
        withAdapter.add("--adapter");
        withAdapter.add(out.resolve("adapter").toString());
        CliRunner adapted = CliRunner.run(withAdapter.toArray(String[]::new));
        assertEquals(0, adapted.exitCode(), adapted.err());
        float[][] viaAdapter = probabilities(adapted);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(merged[i], viaAdapter[i], 1e-5f);
        }
        assertTrue(labels(adapted).equals(List.of("alpha", "beta", "alpha")), adapted.out());

        // embed over the base with the adapter is embed of the merged model (q and v changed).
        List<String> embedAdapted = new ArrayList<>(args("embed", model, texts));
        embedAdapted.add("--adapter");
        embedAdapted.add(out.resolve("adapter").toString());
        float[][] embedded = embeddings(CliRunner.run(embedAdapted.toArray(String[]::new)));
        float[][] embeddedMerged =
                embeddings(
                        CliRunner.run(
                                args("embed", out.resolve("model"), texts).toArray(String[]::new)));
        float[][] embeddedBase =
                embeddings(CliRunner.run(args("embed", model, texts).toArray(String[]::new)));
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(embeddedMerged[i], embedded[i], 1e-5f);
            assertTrue(maxDelta(embeddedBase[i], embedded[i]) > 1e-4, "the adapter changes it");
        }

        Path exported = dir.resolve("merged");
        CliRunner export =
                CliRunner.run(
                        "export",
                        model.toString(),
                        "--adapter",
                        out.resolve("adapter").toString(),
                        "--merge",
                        "-o",
                        exported.toString());
        assertEquals(0, export.exitCode(), export.err());
        float[][] again =
                probabilities(
                        CliRunner.run(args("predict", exported, texts).toArray(String[]::new)));
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(merged[i], again[i], 1e-5f);
        }
    }

    /**
     * {@code finetune --task causal-lm --lora} on a fresh GPT-2, then {@code generate BASE
     * --adapter}: what the merged model generates, and what the run learned.
     */
    @Test
    void aDecoderLoraRunGeneratesWithTheAdapterWhatTheMergedModelDoes() throws Exception {
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
                        "1e-2",
                        // the base is random: adapt the MLPs too, not only PEFT's c_attn
                        "--lora-target-modules",
                        "c_attn,c_proj,c_fc",
                        "--lora-r",
                        "16",
                        "--lora-alpha",
                        "32",
                        "-q",
                        "-o",
                        out.toString());
        assertEquals(0, ft.exitCode(), ft.err());
        assertTrue(ft.out().contains("LoRA adapter (PEFT): "), ft.out());
        CliRunner merged = generate(out.resolve("model"), null);
        CliRunner adapted = generate(model, out.resolve("adapter"));
        CliRunner base = generate(model, null);
        JsonObject m = JsonParser.parseString(merged.out()).getAsJsonObject();
        JsonObject a = JsonParser.parseString(adapted.out()).getAsJsonObject();
        assertEquals(m.get("new_ids"), a.get("new_ids"), adapted.out());
        assertTrue(a.get("text").getAsString().startsWith(" oslo."), adapted.out());
        assertTrue(
                !JsonParser.parseString(base.out())
                        .getAsJsonObject()
                        .get("new_ids")
                        .equals(a.get("new_ids")),
                base.out());
    }

    private static CliRunner generate(Path model, Path adapter) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "generate",
                                model.toString(),
                                "pat lives in",
                                "--max-new-tokens",
                                "2",
                                "--json"));
        if (adapter != null) {
            a.add("--adapter");
            a.add(adapter.toString());
        }
        CliRunner r = CliRunner.run(a.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return r;
    }

    @Test
    void badLoraOptionsGetOneLine() throws Exception {
        Path model = TinyBert.huggingFaceDir(dir);
        CliRunner rank =
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
                        dir.resolve("r0").toString(),
                        "--lora-r",
                        "0",
                        "-q");
        assertEquals(Hubtune.EXIT_USER_ERROR, rank.exitCode(), rank.err());
        // checked while parsing: picocli's one line and its pointer to --help
        assertTrue(
                rank.err().contains("Invalid value for option '--lora-r'")
                        && rank.err().contains("at least 1"),
                rank.err());
        assertTrue(rank.err().strip().split("\n").length <= 2, rank.err());
        CliRunner target =
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
                        dir.resolve("bad").toString(),
                        "--lora-target-modules",
                        "q_proj,v_proj",
                        "-q");
        assertEquals(Hubtune.EXIT_USER_ERROR, target.exitCode(), target.err());
        assertTrue(target.err().contains("q_proj, v_proj match no linear layer"), target.err());
        List<String> notAdapter = new ArrayList<>(args("predict", model, List.of("w7")));
        notAdapter.add("--adapter");
        notAdapter.add(dir.toString());
        CliRunner none = CliRunner.run(notAdapter.toArray(String[]::new));
        assertEquals(Hubtune.EXIT_USER_ERROR, none.exitCode(), none.err());
        assertTrue(none.err().contains("not a PEFT adapter directory"), none.err());
        CliRunner mergeAlone =
                CliRunner.run(
                        "export", model.toString(), "--merge", "-o", dir.resolve("m").toString());
        assertEquals(Hubtune.EXIT_USER_ERROR, mergeAlone.exitCode(), mergeAlone.err());
    }

    /**
     * The bar: LoRA on all-MiniLM-L6-v2 (the real model, from its Maven jar) reaches the
     * full fine-tune's validation accuracy on the quickstart tickets within 2 points, training
     * under 1% of the parameters.
     */
    @Tag("slow")
    @Test
    void loraOnMiniLmReachesTheFullFineTunesAccuracy() throws Exception {
        Path csv = dir.resolve("support-tickets.csv");
        try (InputStream in =
                LoraCommandsTest.class.getResourceAsStream("/quickstart/support-tickets.csv")) {
            Files.copy(in, csv);
        }
        JsonObject full =
                finetune(csv, dir.resolve("full"), "--epochs", "6", "--learning-rate", "1e-4");
        // LoRA wants a larger learning rate and more steps than the full fine-tune (its update
        // has 1% of the parameters). 48 validation tickets make 2 points less than one ticket:
        // measured here, lr 1e-3..3e-3 for 6 epochs stop at 47/48, 2e-3 for 10 epochs reaches
        // 48/48 as the full fine-tune does.
        JsonObject lora =
                finetune(
                        csv,
                        dir.resolve("lora"),
                        "--epochs",
                        "10",
                        "--learning-rate",
                        "2e-3",
                        "--lora",
                        "--lora-alpha",
                        "16");
        double fullAccuracy = accuracy(full);
        double loraAccuracy = accuracy(lora);
        long trainable = lora.get("trainableParameters").getAsLong();
        long total = lora.get("totalParameters").getAsLong();
        System.out.printf(
                java.util.Locale.ROOT,
                "all-MiniLM-L6-v2 on the quickstart tickets: full fine-tune %.4f (%d params), LoRA"
                        + " r 8 %.4f (%d of %d trainable, %.2f%%)%n",
                fullAccuracy,
                full.get("trainableParameters").getAsLong(),
                loraAccuracy,
                trainable,
                total,
                100.0 * trainable / total);
        assertTrue(
                loraAccuracy >= fullAccuracy - 0.02,
                "LoRA " + loraAccuracy + " vs full " + fullAccuracy);
        assertTrue(trainable < 0.01 * total, trainable + " of " + total);
    }

    private static JsonObject finetune(Path csv, Path out, String... extra) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "finetune",
                                "all-minilm-l6-v2",
                                "--train",
                                csv.toString(),
                                "--text-column",
                                "text",
                                "--label-column",
                                "label",
                                "-o",
                                out.toString(),
                                "--batch-size",
                                "16",
                                "--max-length",
                                "64",
                                "--seed",
                                "42",
                                "--json"));
        a.addAll(List.of(extra));
        CliRunner r = CliRunner.run(a.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    private static double accuracy(JsonObject report) {
        return report.getAsJsonObject("best")
                .getAsJsonObject("metrics")
                .get("accuracy")
                .getAsDouble();
    }

    private static List<String> args(String command, Path model, List<String> texts) {
        List<String> a = new ArrayList<>(List.of(command, model.toString()));
        a.addAll(texts);
        a.add("--json");
        return a;
    }

    private static float[][] probabilities(CliRunner r) {
        assertEquals(0, r.exitCode(), r.err());
        JsonArray rows = JsonParser.parseString(r.out()).getAsJsonArray();
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            JsonObject row = rows.get(i).getAsJsonObject();
            JsonObject probs = row.getAsJsonObject("probabilities");
            out[i] = new float[probs.size()];
            int k = 0;
            for (var e : probs.entrySet()) {
                out[i][k++] = e.getValue().getAsFloat();
            }
        }
        return out;
    }

    private static float[][] embeddings(CliRunner r) {
        assertEquals(0, r.exitCode(), r.err());
        JsonArray rows = JsonParser.parseString(r.out()).getAsJsonArray();
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            JsonArray v = rows.get(i).getAsJsonObject().getAsJsonArray("embedding");
            out[i] = new float[v.size()];
            for (int k = 0; k < v.size(); k++) {
                out[i][k] = v.get(k).getAsFloat();
            }
        }
        return out;
    }

    private static double maxDelta(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    private static List<String> labels(CliRunner r) {
        List<String> out = new ArrayList<>();
        JsonParser.parseString(r.out())
                .getAsJsonArray()
                .forEach(e -> out.add(e.getAsJsonObject().get("label").getAsString()));
        return out;
    }
}
