package dev.hubtune.models.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.Embedder;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.apps.TokenClassifier;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.testing.EncoderParity;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exports of the fine-tuning tasks load in transformers and sentence-transformers and compute
 * what hubtune computes. The chain, with no Python at test time:
 *
 * <ol>
 *   <li>this test exports a tiny BERT (formula parameters, the token-pipeline fixture's config and
 *       WordPiece tokenizer) as a token classifier, a multi-label classifier, a regression and a
 *       sentence-transformers embedder, the way the tasks do;
 *   <li>every file of each export but the weights is byte-equal to the committed copy under {@code
 *       reference/exports/KIND/}, and the weights are exactly the formula values of their names,
 *       listed with their shapes in {@code weights.json};
 *   <li>{@code tools/reference/exports_reference.py} rebuilt each export from those committed files
 *       and that formula, loaded it with {@code AutoModelForTokenClassification}, {@code
 *       AutoModelForSequenceClassification} (no missing or unexpected weights, the {@code
 *       problem_type} read back) and {@code SentenceTransformer}, and recorded their outputs;
 *   <li>hubtune's apps on the export give those outputs within 1e-5.
 * </ol>
 *
 * Regenerate after an export format change: run this test with {@code
 * -Dhubtune.writeExportFixtures=models/src/test/resources/reference/exports} (absolute), then the
 * script.
 */
class ExportsInTransformersTest {

    private static final List<String> TOKEN_LABELS =
            List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC");
    private static final List<String> KINDS =
            List.of("token-classification", "multi-label", "regression", "embedding");
    private static final double TOLERANCE = 1e-5;
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    @TempDir Path dir;

    private static String resource(String name) throws IOException {
        try (InputStream in =
                ExportsInTransformersTest.class.getResourceAsStream("/reference/" + name)) {
            if (in == null) {
                throw new IOException("no test resource /reference/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonObject json(String name) throws IOException {
        return JsonParser.parseString(resource(name)).getAsJsonObject();
    }

    /**
     * A transformers checkpoint of the tiny BERT: formula parameters under HF's names ({@code
     * BertModel}'s, without the {@code bert.} prefix, for a base model as sentence-transformers
     * saves it).
     */
    private Path checkpoint(String architecture, List<String> labels, Path out) throws Exception {
        JsonObject pipeline = json("token-pipeline/token-pipeline-reference.json");
        JsonObject config = pipeline.getAsJsonObject("config").deepCopy();
        JsonArray architectures = new JsonArray();
        architectures.add(architecture);
        config.add("architectures", architectures);
        JsonObject id2label = new JsonObject();
        JsonObject label2id = new JsonObject();
        for (int i = 0; i < labels.size(); i++) {
            id2label.addProperty(Integer.toString(i), labels.get(i));
            label2id.addProperty(labels.get(i), i);
        }
        config.remove("id2label");
        config.remove("label2id");
        if (!labels.isEmpty()) {
            config.add("id2label", id2label);
            config.add("label2id", label2id);
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        boolean base = architecture.equals("BertModel");
        for (var e : pipeline.getAsJsonObject("parameters").entrySet()) {
            if (!e.getKey().startsWith("classifier.")) {
                String name = base ? e.getKey().replaceFirst("^bert\\.", "") : e.getKey();
                shapes.put(name, shape(e.getValue().getAsJsonArray()));
            }
        }
        long hidden = config.get("hidden_size").getAsLong();
        if (architecture.endsWith("ForSequenceClassification")) {
            shapes.put("bert.pooler.dense.weight", new long[] {hidden, hidden});
            shapes.put("bert.pooler.dense.bias", new long[] {hidden});
        }
        if (!base) {
            shapes.put("classifier.weight", new long[] {labels.size(), hidden});
            shapes.put("classifier.bias", new long[] {labels.size()});
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("config.json"), GSON.toJson(config));
        Safetensors.write(
                out.resolve("model.safetensors"),
                EncoderParity.formula(shapes),
                Map.of("format", "pt"));
        Files.writeString(out.resolve("tokenizer.json"), resource("token-pipeline/tokenizer.json"));
        return out;
    }

    private static long[] shape(JsonArray a) {
        long[] s = new long[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsLong();
        }
        return s;
    }

    /** Exports {@code kind} as the task of that name does. */
    private Path export(String kind) throws Exception {
        Path out = dir.resolve(kind);
        if (kind.equals("token-classification")) {
            PretrainedModel m =
                    ModelFamilies.load(
                            checkpoint(
                                    "BertForTokenClassification",
                                    TOKEN_LABELS,
                                    dir.resolve("src-t")));
            return HfExport.write(
                    m.family(),
                    m.config(),
                    m.weights(),
                    ExportMetadata.tokenClassifier(TOKEN_LABELS),
                    m.dir(),
                    out);
        }
        if (kind.equals("embedding")) {
            PretrainedModel m =
                    ModelFamilies.load(checkpoint("BertModel", List.of(), dir.resolve("src-e")));
            return HfExport.writeSentenceEmbedder(
                    m.family(),
                    m.config(),
                    m.weights(),
                    Pooling.MEAN,
                    true,
                    64,
                    Optional.empty(),
                    m.dir(),
                    out);
        }
        boolean multi = kind.equals("multi-label");
        List<String> labels = multi ? List.of("alpha", "beta", "gamma") : List.of("score");
        PretrainedModel m =
                ModelFamilies.load(
                        checkpoint(
                                "BertForSequenceClassification",
                                labels,
                                dir.resolve("src-" + kind)));
        ExportMetadata meta =
                ExportMetadata.sequenceClassifier(labels, Pooling.POOLER)
                        .withOutputs(
                                multi
                                        ? new ExportMetadata.Outputs(
                                                ExportMetadata.ProblemType
                                                        .MULTI_LABEL_CLASSIFICATION,
                                                List.of(0.5, 0.4, 0.6))
                                        : new ExportMetadata.Outputs(
                                                ExportMetadata.ProblemType.REGRESSION, List.of()));
        return HfExport.write(m.family(), m.config(), m.weights(), meta, m.dir(), out);
    }

    /** Every file of an export except its weights and hubtune's own manifest, by relative path. */
    private static Map<String, String> textFiles(Path export) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(export)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String rel = export.relativize(f).toString().replace('\\', '/');
                if (!rel.endsWith(".safetensors") && !rel.equals("hubtune.json")) {
                    out.put(rel, Files.readString(f));
                }
            }
        }
        return out;
    }

    /** Names and shapes of the export's weights, checking they are the formula's values. */
    private static String weightsListing(Path export) throws Exception {
        Map<String, WeightTensor> w = Safetensors.read(export.resolve("model.safetensors"));
        Map<String, long[]> shapes = new TreeMap<>();
        w.forEach((k, v) -> shapes.put(k, v.shape()));
        Map<String, WeightTensor> formula = EncoderParity.formula(shapes);
        for (String k : shapes.keySet()) {
            // the reference rebuilds the weights from this formula, so they must be it exactly
            assertArrayEquals(formula.get(k).data(), w.get(k).data(), export + " " + k);
        }
        return GSON.toJson(shapes) + "\n";
    }

    @Test
    void taskExportsComputeInTransformersWhatTheyComputeInHubtune() throws Exception {
        String write = System.getProperty("hubtune.writeExportFixtures");
        for (String kind : KINDS) {
            Path export = export(kind);
            Map<String, String> files = textFiles(export);
            String weights = weightsListing(export);
            if (write != null) {
                Path target = Path.of(write, kind);
                for (var f : files.entrySet()) {
                    Files.createDirectories(target.resolve(f.getKey()).getParent());
                    Files.writeString(target.resolve(f.getKey()), f.getValue());
                }
                Files.writeString(target.resolve("weights.json"), weights);
                continue;
            }
            JsonArray listed = json("exports/files.json").getAsJsonArray(kind);
            List<String> names = new ArrayList<>();
            listed.forEach(n -> names.add(n.getAsString()));
            assertEquals(names, new ArrayList<>(files.keySet()), kind + ": the export's files");
            for (var f : files.entrySet()) {
                assertEquals(
                        resource("exports/" + kind + "/" + f.getKey()),
                        f.getValue(),
                        kind + ": " + f.getKey() + " differs from the files transformers loaded");
            }
            assertEquals(resource("exports/" + kind + "/weights.json"), weights, kind);
        }
        if (write != null) {
            JsonObject listing = new JsonObject();
            for (String kind : KINDS) {
                JsonArray a = new JsonArray();
                textFiles(dir.resolve(kind)).keySet().forEach(a::add);
                listing.add(kind, a);
            }
            Files.writeString(Path.of(write, "files.json"), GSON.toJson(listing) + "\n");
            return;
        }
        JsonObject ref = json("exports/exports-reference.json");
        List<String> texts = new ArrayList<>();
        ref.getAsJsonArray("texts").forEach(t -> texts.add(t.getAsString()));
        JsonObject outputs = ref.getAsJsonObject("outputs");
        Map<String, Double> worst = new TreeMap<>();

        try (TokenClassifier ner = TokenClassifier.load(dir.resolve("token-classification"))) {
            JsonArray expected = outputs.getAsJsonArray("token-classification");
            for (int i = 0; i < texts.size(); i++) {
                List<TokenClassifier.TokenLabel> got = ner.predict(texts.get(i));
                JsonArray want = expected.get(i).getAsJsonArray();
                assertEquals(want.size(), got.size(), texts.get(i));
                for (int t = 0; t < got.size(); t++) {
                    JsonObject w = want.get(t).getAsJsonObject();
                    String what = texts.get(i) + " token " + t;
                    assertEquals(w.get("label").getAsString(), got.get(t).label(), what);
                    assertEquals(w.get("start").getAsInt(), got.get(t).start(), what);
                    assertEquals(w.get("end").getAsInt(), got.get(t).end(), what);
                    double d = Math.abs(w.get("score").getAsDouble() - got.get(t).score());
                    worst.merge("token-classification", d, Math::max);
                    assertTrue(d < TOLERANCE, what + ": |Δ probability| " + d);
                }
            }
        }
        for (String kind : List.of("multi-label", "regression")) {
            try (TextClassifier c = TextClassifier.load(dir.resolve(kind))) {
                List<TextClassifier.Prediction> got = c.predict(texts);
                JsonArray want = outputs.getAsJsonArray(kind);
                for (int i = 0; i < texts.size(); i++) {
                    JsonArray w = want.get(i).getAsJsonArray();
                    float[] p = got.get(i).probabilities();
                    assertEquals(w.size(), p.length, kind);
                    for (int k = 0; k < p.length; k++) {
                        double d = Math.abs(w.get(k).getAsDouble() - p[k]);
                        worst.merge(kind, d, Math::max);
                        assertTrue(d < TOLERANCE, kind + " text " + i + ": |Δ| " + d);
                    }
                }
            }
        }
        try (Embedder e = Embedder.builder().setModelDir(dir.resolve("embedding")).build()) {
            float[][] got = e.embed(texts);
            JsonArray want = outputs.getAsJsonArray("embedding");
            for (int i = 0; i < texts.size(); i++) {
                JsonArray w = want.get(i).getAsJsonArray();
                assertEquals(w.size(), got[i].length);
                for (int k = 0; k < got[i].length; k++) {
                    double d = Math.abs(w.get(k).getAsDouble() - got[i][k]);
                    worst.merge("embedding", d, Math::max);
                    assertTrue(d < TOLERANCE, "text " + i + ": |Δ embedding| " + d);
                }
            }
        }
        System.out.println("max |Δ| to transformers / sentence-transformers: " + worst);
    }
}
