package dev.hubtune.models.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.LoadedModel;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.BackboneInputs;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.SequenceClassificationHead;
import dev.hubtune.models.heads.TokenClassificationHead;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Encoder families against transformers: a case of {@code
 * tools/reference/encoder_families_reference.py}'s fixture is written as a real checkpoint
 * (config.json with the architecture and labels, model.safetensors with transformers' names, shapes
 * and {@link #formula} values), loaded through {@link ModelFamilies} like any model directory, and
 * its last hidden state, sequence-classification and token-classification logits compared with
 * transformers'.
 */
public final class EncoderParity {

    /** The fixtures: encoder_families_reference.py's and modernbert_reference.py's. */
    private static final String[] FIXTURES = {
        "/reference/encoder-families-reference.json", "/reference/modernbert-reference.json"
    };

    private static final Map<String, JsonObject> CASES = new LinkedHashMap<>();

    /** Max |Δ| of each output against transformers. */
    public record Deltas(double hiddenState, double logits, double tokenLogits) {}

    private EncoderParity() {}

    /** The fixture's case {@code name}. */
    public static JsonObject reference(String name) throws Exception {
        if (CASES.isEmpty()) {
            for (String fixture : FIXTURES) {
                try (InputStream in = EncoderParity.class.getResourceAsStream(fixture)) {
                    JsonObject cases =
                            JsonParser.parseString(
                                            new String(in.readAllBytes(), StandardCharsets.UTF_8))
                                    .getAsJsonObject()
                                    .getAsJsonObject("cases");
                    cases.entrySet()
                            .forEach(e -> CASES.put(e.getKey(), e.getValue().getAsJsonObject()));
                }
            }
        }
        return CASES.get(name);
    }

    /**
     * Values of every parameter (HF name, PyTorch shape) by the script's formula, index in
     * PyTorch's layout.
     */
    public static Map<String, WeightTensor> formula(Map<String, long[]> shapes) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : shapes.entrySet()) {
            String name = e.getKey();
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            double offset = 0;
            double amplitude = 0.3;
            if (name.toLowerCase(java.util.Locale.ROOT).contains("norm")) {
                offset = name.endsWith(".weight") ? 1 : 0;
                amplitude = name.endsWith(".weight") ? 0.2 : 0.1;
            } else if (name.endsWith(".bias")) {
                amplitude = 0.1;
            } else if (name.contains("embeddings")) {
                amplitude = 0.5;
            }
            float[] data = new float[(int) n];
            for (int i = 0; i < data.length; i++) {
                data[i] =
                        (float)
                                (offset
                                        + amplitude
                                                * Math.sin(phase(name) + 0.7071 * i)
                                                * Math.cos(0.013 * (((long) i * i) % 1000)));
            }
            out.put(name, new WeightTensor(e.getValue(), data));
        }
        return out;
    }

    private static double phase(String name) {
        long sum = 0;
        for (int j = 0; j < name.length(); j++) {
            sum += (long) (j + 1) * name.charAt(j);
        }
        return sum % 1009;
    }

    /**
     * Writes the case as a transformers checkpoint of its {@code kind} ({@code sequence} or {@code
     * token}) with {@code labels} labels into {@code dir}.
     */
    public static Path checkpoint(JsonObject c, String kind, int labels, Path dir)
            throws Exception {
        Files.createDirectories(dir);
        JsonObject config = c.getAsJsonObject("config").deepCopy();
        JsonArray architectures = new JsonArray();
        architectures.add(c.get(kind + "_architecture").getAsString());
        config.add("architectures", architectures);
        JsonObject id2label = new JsonObject();
        for (int i = 0; i < labels; i++) {
            id2label.addProperty(Integer.toString(i), "L" + i);
        }
        config.add("id2label", id2label);
        Files.writeString(dir.resolve("config.json"), new Gson().toJson(config));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (var e : c.getAsJsonObject(kind + "_parameters").entrySet()) {
            shapes.put(e.getKey(), longs(e.getValue().getAsJsonArray()));
        }
        Safetensors.write(
                dir.resolve("model.safetensors"), formula(shapes), Map.of("format", "pt"));
        return dir;
    }

    /** Runs the case through hubtune and returns the max differences to transformers. */
    public static Deltas compare(JsonObject c, Path dir) throws Exception {
        JsonObject inputs = c.getAsJsonObject("inputs");
        Path sequence = checkpoint(c, "sequence", 3, dir.resolve("sequence"));
        Path token = checkpoint(c, "token", 4, dir.resolve("token"));
        PretrainedModel model = ModelFamilies.describe(sequence);
        assertEquals(
                c.getAsJsonObject("config").get("model_type").getAsString(),
                model.config().modelType());
        double hidden;
        double logits;
        try (LoadedModel<SequenceClassificationHead> loaded =
                LoadedModel.load(
                        model,
                        (backbone, weights, optional) ->
                                SequenceClassificationHead.build(backbone, 3, Pooling.POOLER),
                        "the reference classifier")) {
            List<float[]> out =
                    run(
                            loaded.session(),
                            loaded.backbone(),
                            inputs,
                            loaded.backbone().sequenceOutput(),
                            loaded.heads().logits);
            hidden = maxDelta(c.getAsJsonArray("last_hidden_state"), out.get(0));
            logits = maxDelta(c.getAsJsonArray("logits"), out.get(1));
        }
        double tokenLogits;
        try (LoadedModel<TokenClassificationHead> loaded =
                LoadedModel.load(
                        ModelFamilies.describe(token),
                        (backbone, weights, optional) -> TokenClassificationHead.build(backbone, 4),
                        "the reference token classifier")) {
            List<float[]> out =
                    run(loaded.session(), loaded.backbone(), inputs, loaded.heads().logits);
            tokenLogits = maxDelta(c.getAsJsonArray("token_logits"), out.get(0));
        }
        return new Deltas(hidden, logits, tokenLogits);
    }

    /** Asserts every output within {@code tolerance} of transformers'. */
    public static Deltas assertParity(String name, Path dir, double tolerance) throws Exception {
        Deltas d = compare(reference(name), dir);
        assertTrue(d.hiddenState() < tolerance, name + ": max |Δ hidden state| " + d.hiddenState());
        assertTrue(d.logits() < tolerance, name + ": max |Δ logits| " + d.logits());
        assertTrue(d.tokenLogits() < tolerance, name + ": max |Δ token logits| " + d.tokenLogits());
        System.out.println(name + " vs transformers: " + d);
        return d;
    }

    /** Every case of the fixtures, by name. */
    public static java.util.Set<String> caseNames() throws Exception {
        reference("");
        return java.util.Collections.unmodifiableSet(CASES.keySet());
    }

    /**
     * Loads {@code dir} (any token classifier with {@code labels} labels, e.g. an export of the
     * case's checkpoint) and returns the max |Δ| of its logits on the case's inputs to
     * transformers' {@code token_logits}.
     */
    public static double tokenLogitsDelta(JsonObject c, Path dir, int labels) throws Exception {
        try (LoadedModel<TokenClassificationHead> loaded =
                LoadedModel.load(
                        ModelFamilies.describe(dir),
                        (backbone, weights, optional) ->
                                TokenClassificationHead.build(backbone, labels),
                        "a token classifier")) {
            List<float[]> out =
                    run(
                            loaded.session(),
                            loaded.backbone(),
                            c.getAsJsonObject("inputs"),
                            loaded.heads().logits);
            return maxDelta(c.getAsJsonArray("token_logits"), out.get(0));
        }
    }

    /**
     * Loads {@code dir} as a multi-label classifier with {@code labels} labels and returns the max
     * |Δ| of its per-label probabilities on the case's inputs to the sigmoid of transformers'
     * sequence-classification {@code logits} (what transformers' multi-label pipeline computes).
     */
    public static double multiLabelDelta(JsonObject c, Path dir, int labels) throws Exception {
        try (LoadedModel<dev.hubtune.models.heads.MultiLabelClassificationHead> loaded =
                LoadedModel.load(
                        ModelFamilies.describe(dir),
                        (backbone, weights, optional) ->
                                dev.hubtune.models.heads.MultiLabelClassificationHead.build(
                                        backbone, labels, Pooling.POOLER),
                        "a multi-label classifier")) {
            List<float[]> out =
                    run(
                            loaded.session(),
                            loaded.backbone(),
                            c.getAsJsonObject("inputs"),
                            loaded.heads().probabilities);
            List<Double> logits = new ArrayList<>();
            flatten(c.getAsJsonArray("logits"), logits);
            double worst = 0;
            for (int i = 0; i < logits.size(); i++) {
                double expected = 1 / (1 + Math.exp(-logits.get(i)));
                worst = Math.max(worst, Math.abs(expected - out.get(0)[i]));
            }
            return worst;
        }
    }

    /**
     * Loads {@code dir} as an encoder and returns the max |Δ| of its mean-pooled, L2-normalised
     * embedding of the case's inputs to the same pooling of transformers' {@code last_hidden_state}
     * (what sentence-transformers computes from it).
     */
    public static double meanEmbeddingDelta(JsonObject c, Path dir) throws Exception {
        JsonObject inputs = c.getAsJsonObject("inputs");
        try (LoadedModel<Operand<TFloat32>> loaded =
                LoadedModel.load(
                        ModelFamilies.describe(dir),
                        (backbone, weights, optional) -> backbone.pooled(Pooling.MEAN),
                        "an encoder")) {
            float[] pooled =
                    run(loaded.session(), loaded.backbone(), inputs, loaded.heads()).get(0);
            JsonArray hidden = c.getAsJsonArray("last_hidden_state");
            JsonArray mask = inputs.getAsJsonArray("attention_mask");
            int batch = hidden.size();
            int dim = pooled.length / batch;
            double worst = 0;
            for (int b = 0; b < batch; b++) {
                double[] sum = new double[dim];
                double count = 0;
                JsonArray rows = hidden.get(b).getAsJsonArray();
                for (int t = 0; t < rows.size(); t++) {
                    int m = mask == null ? 1 : mask.get(b).getAsJsonArray().get(t).getAsInt();
                    if (m == 0) {
                        continue;
                    }
                    count++;
                    for (int k = 0; k < dim; k++) {
                        sum[k] += rows.get(t).getAsJsonArray().get(k).getAsDouble();
                    }
                }
                double norm = 0;
                double mine = 0;
                for (int k = 0; k < dim; k++) {
                    norm += (sum[k] / count) * (sum[k] / count);
                    mine += pooled[b * dim + k] * pooled[b * dim + k];
                }
                for (int k = 0; k < dim; k++) {
                    double expected = sum[k] / count / Math.sqrt(norm);
                    worst =
                            Math.max(
                                    worst,
                                    Math.abs(expected - pooled[b * dim + k] / Math.sqrt(mine)));
                }
            }
            return worst;
        }
    }

    /** The case's transformers parameter names and PyTorch shapes for {@code kind}. */
    public static Map<String, long[]> shapes(JsonObject c, String kind) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (var e : c.getAsJsonObject(kind + "_parameters").entrySet()) {
            shapes.put(e.getKey(), longs(e.getValue().getAsJsonArray()));
        }
        return shapes;
    }

    /** Expects loading {@code dir} as an encoder to fail with a message naming {@code expected}. */
    public static String loadError(Path dir) {
        try {
            ModelFamilies.load(dir);
            return null;
        } catch (ModelException e) {
            return e.getMessage();
        }
    }

    @SafeVarargs
    /** Runs {@code fetches} on the case's {@code inputs} (ids, masks, token types). */
    public static List<float[]> run(
            Session session, Backbone backbone, JsonObject inputs, Operand<TFloat32>... fetches) {
        BackboneInputs in = backbone.inputs();
        List<TInt32> tensors = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            runner.feed(in.inputIds(), tensor(inputs.getAsJsonArray("input_ids"), tensors));
            if (in.attentionMask() != null) {
                runner.feed(
                        in.attentionMask(),
                        tensor(inputs.getAsJsonArray("attention_mask"), tensors));
            }
            if (in.tokenTypeIds() != null) {
                JsonArray types = inputs.getAsJsonArray("token_type_ids");
                runner.feed(
                        in.tokenTypeIds(),
                        tensor(
                                types != null ? types : zeros(inputs.getAsJsonArray("input_ids")),
                                tensors));
            }
            for (Operand<TFloat32> f : fetches) {
                runner.fetch(f);
            }
            try (Result r = runner.run()) {
                List<float[]> out = new ArrayList<>();
                for (int i = 0; i < fetches.length; i++) {
                    out.add(Tensors.floats((TFloat32) r.get(i)));
                }
                return out;
            }
        } finally {
            tensors.forEach(TInt32::close);
        }
    }

    private static JsonArray zeros(JsonArray ids) {
        JsonArray out = new JsonArray();
        for (JsonElement row : ids) {
            JsonArray r = new JsonArray();
            row.getAsJsonArray().forEach(x -> r.add(0));
            out.add(r);
        }
        return out;
    }

    private static TInt32 tensor(JsonArray rows, List<TInt32> owned) {
        int b = rows.size();
        int l = rows.get(0).getAsJsonArray().size();
        int[] flat = new int[b * l];
        for (int i = 0; i < b; i++) {
            JsonArray row = rows.get(i).getAsJsonArray();
            for (int j = 0; j < l; j++) {
                flat[i * l + j] = row.get(j).getAsInt();
            }
        }
        TInt32 t = TInt32.tensorOf(Shape.of(b, l), DataBuffers.of(flat, true, false));
        owned.add(t);
        return t;
    }

    /** The largest |expected − actual| over the flattened arrays. */
    public static double maxDelta(JsonArray expected, float[] actual) {
        List<Double> flat = new ArrayList<>();
        flatten(expected, flat);
        assertEquals(flat.size(), actual.length, "output size");
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(flat.get(i) - actual[i]));
        }
        return worst;
    }

    private static void flatten(JsonElement e, List<Double> out) {
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                flatten(x, out);
            }
        } else {
            out.add(e.getAsDouble());
        }
    }

    /** A JSON array of integers. */
    public static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
