package dev.hubtune.models.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.DecoderModel;
import dev.hubtune.models.apps.LoadedModel;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.SequenceClassificationHead;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.testing.EncoderParity;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * LoRA against PEFT 0.13.2 ({@code tools/reference/lora_reference.py}): a tiny BERT classifier, a
 * GPT-2 (Conv1D, fan_in_fan_out, rsLoRA) and a Llama (four target modules, dropout) with the
 * adapters PEFT saved ({@code reference/lora/<case>/}). Three ways must give PEFT's logits within
 * 1e-5: the adapters in the training graph (the {@link LoraAdapter} hook, unmerged), the adapter
 * applied for inference (merged), and — what PEFT's {@code merge_and_unload} gives — the same; and
 * writing the adapter back gives PEFT's key names and tensors exactly.
 */
class LoraParityTest {

    private static final double TOLERANCE = 1e-5;

    @TempDir Path dir;

    /** PEFT's adapters (lora_reference.py). */
    private static final String PEFT_SAVED = "lora";

    /** Adapters hubtune trained, loaded by PEFT (lora_trained_reference.py). */
    private static final String HUBTUNE_TRAINED = "lora-trained";

    static JsonObject reference(String name) throws Exception {
        return reference(PEFT_SAVED, name);
    }

    private static JsonObject reference(String fixtures, String name) throws Exception {
        String file = fixtures.equals(PEFT_SAVED) ? "lora-reference" : fixtures;
        try (InputStream in =
                LoraParityTest.class.getResourceAsStream("/reference/" + file + ".json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject()
                    .getAsJsonObject("cases")
                    .getAsJsonObject(name);
        }
    }

    static Path adapterDir(String name) throws Exception {
        return adapterDir(PEFT_SAVED, name);
    }

    private static Path adapterDir(String fixtures, String name) throws Exception {
        return Path.of(
                LoraParityTest.class.getResource("/reference/" + fixtures + "/" + name).toURI());
    }

    /** The case's base model as a transformers checkpoint with the formula weights. */
    static Path checkpoint(JsonObject c, Path dir) throws Exception {
        Files.createDirectories(dir);
        JsonObject config = c.getAsJsonObject("config").deepCopy();
        JsonArray architectures = new JsonArray();
        architectures.add(c.get("architecture").getAsString());
        config.add("architectures", architectures);
        if (c.get("architecture").getAsString().endsWith("ForSequenceClassification")) {
            JsonObject id2label = new JsonObject();
            for (int i = 0; i < 3; i++) {
                id2label.addProperty(Integer.toString(i), "L" + i);
            }
            config.add("id2label", id2label);
        }
        Files.writeString(dir.resolve("config.json"), new Gson().toJson(config));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (var e : c.getAsJsonObject("parameters").entrySet()) {
            shapes.put(e.getKey(), EncoderParity.longs(e.getValue().getAsJsonArray()));
        }
        Safetensors.write(
                dir.resolve("model.safetensors"),
                EncoderParity.formula(shapes),
                Map.of("format", "pt"));
        return dir;
    }

    @Test
    void bertClassifierEqualsPeft() throws Exception {
        assertCase("bert");
    }

    @Test
    void gpt2Conv1dWithRsLoraEqualsPeft() throws Exception {
        assertCase("gpt2");
    }

    @Test
    void llamaEqualsPeft() throws Exception {
        assertCase("llama");
    }

    // The other direction: adapters `hubtune finetune --lora` trained and wrote, which PEFT's
    // PeftModel.from_pretrained loaded (every tensor of the file landed unchanged, checked by the
    // script); PEFT's logits with them must be hubtune's.

    @Test
    void aBertClassifierAdapterTrainedByHubtuneGivesPeftsLogitsInPeft() throws Exception {
        assertCase(HUBTUNE_TRAINED, "bert");
    }

    @Test
    void aGpt2AdapterTrainedByHubtuneGivesPeftsLogitsInPeft() throws Exception {
        assertCase(HUBTUNE_TRAINED, "gpt2");
    }

    @Test
    void aLlamaAdapterTrainedByHubtuneGivesPeftsLogitsInPeft() throws Exception {
        assertCase(HUBTUNE_TRAINED, "llama");
    }

    private void assertCase(String name) throws Exception {
        assertCase(PEFT_SAVED, name);
    }

    private void assertCase(String fixtures, String name) throws Exception {
        JsonObject c = reference(fixtures, name);
        PretrainedModel model = ModelFamilies.describe(checkpoint(c, dir.resolve("base")));
        PeftAdapter adapter = PeftAdapter.read(adapterDir(fixtures, name));
        boolean classifier = name.equals("bert");
        ModelTask task = classifier ? ModelTask.SEQUENCE_CLASSIFICATION : ModelTask.CAUSAL_LM;

        // The merged models of hubtune and of PEFT's merge_and_unload agree with the unmerged one.
        double peftMerged =
                EncoderParity.maxDelta(
                        c.getAsJsonArray("logits"), flat(c.getAsJsonArray("merged_logits")));
        assertTrue(peftMerged < TOLERANCE, name + ": PEFT merged vs unmerged " + peftMerged);

        double merged =
                classifier ? mergedClassifier(model, adapter, c) : mergedDecoder(model, adapter, c);
        assertTrue(merged < TOLERANCE, name + ": merged adapter vs PEFT: max |Δ logits| " + merged);

        double unmerged = unmerged(model, adapter, task, c, dir.resolve("rewritten"));
        assertTrue(unmerged < TOLERANCE, name + ": adapters in the graph vs PEFT: " + unmerged);
        System.out.printf(
                "%s/%s vs peft 0.13.2: unmerged %.2e, merged %.2e%n",
                fixtures, name, unmerged, merged);

        // Written back, the adapter is the one read: the same keys and the same tensors.
        Map<String, WeightTensor> peft =
                Safetensors.read(adapterDir(fixtures, name).resolve(PeftAdapter.WEIGHTS_FILE));
        Map<String, WeightTensor> ours =
                Safetensors.read(dir.resolve("rewritten").resolve(PeftAdapter.WEIGHTS_FILE));
        assertEquals(peft.keySet(), ours.keySet());
        for (String k : peft.keySet()) {
            assertArrayEquals(peft.get(k).shape(), ours.get(k).shape(), k);
            assertArrayEquals(peft.get(k).data(), ours.get(k).data(), 1e-7f, k);
        }
        JsonObject written =
                JsonParser.parseString(
                                Files.readString(
                                        dir.resolve("rewritten").resolve(PeftAdapter.CONFIG_FILE)))
                        .getAsJsonObject();
        JsonObject lora = c.getAsJsonObject("lora");
        assertEquals("LORA", written.get("peft_type").getAsString());
        assertEquals(lora.get("task_type").getAsString(), written.get("task_type").getAsString());
        assertEquals(lora.get("r").getAsInt(), written.get("r").getAsInt());
        assertEquals(lora.get("lora_alpha").getAsDouble(), written.get("lora_alpha").getAsDouble());
        assertEquals(lora.get("target_modules"), sorted(written.getAsJsonArray("target_modules")));
    }

    private static double mergedClassifier(PretrainedModel model, PeftAdapter adapter, JsonObject c)
            throws Exception {
        try (LoadedModel<SequenceClassificationHead> loaded =
                LoadedModel.load(
                        model,
                        (backbone, weights, optional) ->
                                SequenceClassificationHead.build(backbone, 3, Pooling.POOLER),
                        "the reference classifier",
                        BuildContext::inference,
                        ModelTask.SEQUENCE_CLASSIFICATION,
                        List.of(adapter))) {
            float[] logits =
                    EncoderParity.run(
                                    loaded.session(),
                                    loaded.backbone(),
                                    c.getAsJsonObject("inputs"),
                                    loaded.heads().logits)
                            .get(0);
            double withAdapter = EncoderParity.maxDelta(c.getAsJsonArray("logits"), logits);
            // Switching to the base and back re-assigns exactly what the adapter changes.
            loaded.useAdapter(null);
            float[] base =
                    EncoderParity.run(
                                    loaded.session(),
                                    loaded.backbone(),
                                    c.getAsJsonObject("inputs"),
                                    loaded.heads().logits)
                            .get(0);
            assertTrue(EncoderParity.maxDelta(c.getAsJsonArray("logits"), base) > 1e-3);
            loaded.useAdapter(adapter.name());
            float[] again =
                    EncoderParity.run(
                                    loaded.session(),
                                    loaded.backbone(),
                                    c.getAsJsonObject("inputs"),
                                    loaded.heads().logits)
                            .get(0);
            assertArrayEquals(logits, again, 0f);
            return withAdapter;
        }
    }

    private static double mergedDecoder(PretrainedModel model, PeftAdapter adapter, JsonObject c)
            throws Exception {
        try (DecoderModel decoder = DecoderModel.load(model, List.of(adapter))) {
            return EncoderParity.maxDelta(
                    c.getAsJsonArray("logits"), flat3(decoder.logits(ids(c))));
        }
    }

    /**
     * The adapters as training builds them (the {@link LoraAdapter} hook on a training context,
     * dropout fed off as in evaluation), with PEFT's weights; writes the adapter back to {@code
     * rewritten}.
     */
    private static double unmerged(
            PretrainedModel model,
            PeftAdapter adapter,
            ModelTask task,
            JsonObject c,
            Path rewritten)
            throws Exception {
        TensorFlowRuntime.load();
        PretrainedModel withWeights = model.withWeights();
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            LoraAdapter lora =
                    LoraAdapter.create(adapter.trainingConfig(), model.config().modelType());
            BuildContext context = BuildContext.training(tf).withAdapter(lora);
            Backbone backbone = model.family().build(context, model.config());
            Operand<TFloat32> logits =
                    task == ModelTask.SEQUENCE_CLASSIFICATION
                            ? SequenceClassificationHead.build(backbone, 3, Pooling.POOLER).logits
                            : ((DecoderBackbone) backbone).logits();
            lora.requireTargetsFound();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            context.parameters().parameters().forEach((n, p) -> shapes.put(n, p.shape()));
            PeftAdapter.Resolved resolved = adapter.resolve(model.family(), task, shapes);
            assertEquals(resolved.layers().keySet(), lora.adapted().keySet());
            Map<String, WeightTensor> values = new LinkedHashMap<>(withWeights.weights());
            values.putAll(resolved.saved());
            Map<String, WeightTensor> adapters = new LinkedHashMap<>();
            resolved.layers()
                    .forEach(
                            (m, l) -> {
                                assertEquals(lora.config().scale(), l.scale(), 1e-12);
                                adapters.put(m + LoraAdapter.A, l.a());
                                adapters.put(m + LoraAdapter.B, l.b());
                            });
            float[] out;
            try (Session session = new Session(g)) {
                Variables.assign(tf, session, context.parameters().variables(), values);
                Variables.assign(tf, session, lora.parameters().variables(), adapters);
                out =
                        EncoderParity.run(session, backbone, c.getAsJsonObject("inputs"), logits)
                                .get(0);
            }
            List<String> modulesToSave = new ArrayList<>();
            JsonElement saved = c.getAsJsonObject("lora").get("modules_to_save");
            if (saved != null && saved.isJsonArray()) {
                saved.getAsJsonArray().forEach(e -> modulesToSave.add(e.getAsString()));
            }
            if (task == ModelTask.SEQUENCE_CLASSIFICATION
                    && !modulesToSave.contains("classifier")) {
                modulesToSave.add("classifier");
            }
            PeftAdapter.write(
                    rewritten,
                    new PeftAdapter.Contents(
                            model.family(),
                            task,
                            lora.config(),
                            resolved.layers(),
                            resolved.saved(),
                            modulesToSave,
                            shapes.keySet(),
                            "tiny-" + c.get("architecture").getAsString(),
                            null));
            return EncoderParity.maxDelta(c.getAsJsonArray("logits"), out);
        }
    }

    private static int[][] ids(JsonObject c) {
        JsonArray rows = c.getAsJsonObject("inputs").getAsJsonArray("input_ids");
        int[][] ids = new int[rows.size()][];
        for (int i = 0; i < ids.length; i++) {
            JsonArray r = rows.get(i).getAsJsonArray();
            ids[i] = new int[r.size()];
            for (int j = 0; j < r.size(); j++) {
                ids[i][j] = r.get(j).getAsInt();
            }
        }
        return ids;
    }

    private static float[] flat3(float[][][] x) {
        List<Float> out = new ArrayList<>();
        for (float[][] a : x) {
            for (float[] b : a) {
                for (float v : b) {
                    out.add(v);
                }
            }
        }
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }

    private static float[] flat(JsonArray a) {
        List<Float> out = new ArrayList<>();
        flatten(a, out);
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }

    private static void flatten(JsonElement e, List<Float> out) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> flatten(x, out));
        } else {
            out.add(e.getAsFloat());
        }
    }

    private static JsonArray sorted(JsonArray a) {
        List<String> s = new ArrayList<>();
        a.forEach(e -> s.add(e.getAsString()));
        s.sort(null);
        JsonArray out = new JsonArray();
        s.forEach(out::add);
        return out;
    }
}
