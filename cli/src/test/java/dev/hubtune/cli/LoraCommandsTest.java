package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.testing.TinyBert;
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
        assertTrue(rank.err().contains("rank must be a positive integer"), rank.err());
        assertEquals(1, rank.err().strip().split("\n").length, rank.err());
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
        JsonObject full = finetune(csv, dir.resolve("full"), "--learning-rate", "1e-4");
        JsonObject lora =
                finetune(
                        csv,
                        dir.resolve("lora"),
                        "--learning-rate",
                        "1e-3",
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
                                "--epochs",
                                "6",
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

    private static List<String> labels(CliRunner r) {
        List<String> out = new ArrayList<>();
        JsonParser.parseString(r.out())
                .getAsJsonArray()
                .forEach(e -> out.add(e.getAsJsonObject().get("label").getAsString()));
        return out;
    }
}
