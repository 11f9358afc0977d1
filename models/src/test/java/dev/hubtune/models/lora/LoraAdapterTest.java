package dev.hubtune.models.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertFamily;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.heads.SequenceClassificationHead;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Linear;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The adapter hook itself: its math, its start, its parameters and its refusals. */
class LoraAdapterTest {

    @TempDir Path dir;

    /** The adapter values the last {@link #logits} call assigned. */
    private static Map<String, WeightTensor> lastAdapterValues;

    @BeforeAll
    static void natives() throws Exception {
        TensorFlowRuntime.load();
    }

    /** y = x·W + b + (alpha/r)·(x·A)·B on one linear layer, against the sum done in Java. */
    @Test
    void addsTheScaledLowRankProduct() throws Exception {
        int in = 5;
        int out = 3;
        int rows = 4;
        LoraConfig config =
                LoraConfig.builder().optRank(2).optAlpha(6).optTargetModules(List.of("q")).build();
        assertEquals(3.0, config.scale());
        Random r = new Random(1);
        float[] x = random(r, rows * in);
        Map<String, WeightTensor> w = new LinkedHashMap<>();
        w.put("layer.q.weight", new WeightTensor(new long[] {in, out}, random(r, in * out)));
        w.put("layer.q.bias", new WeightTensor(new long[] {out}, random(r, out)));
        Map<String, WeightTensor> ab = new LinkedHashMap<>();
        ab.put("layer.q" + LoraAdapter.A, new WeightTensor(new long[] {in, 2}, random(r, in * 2)));
        ab.put(
                "layer.q" + LoraAdapter.B,
                new WeightTensor(new long[] {2, out}, random(r, 2 * out)));
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            LoraAdapter lora = LoraAdapter.create(config, "bert");
            BuildContext context = BuildContext.inference(tf).withAdapter(lora);
            Placeholder<TFloat32> input =
                    tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, in)));
            Operand<TFloat32> y = Linear.create(context, "layer.q", in, out).apply(input);
            Operand<TFloat32> untouched = Linear.create(context, "layer.k", in, out).apply(input);
            assertEquals(Set.of("layer.q"), lora.adapted().keySet());
            assertEquals(
                    Set.of("layer.q.weight", "layer.q.bias", "layer.k.weight", "layer.k.bias"),
                    context.parameters().parameters().keySet());
            assertEquals(
                    Set.of("layer.q" + LoraAdapter.A, "layer.q" + LoraAdapter.B),
                    lora.parameters().parameters().keySet());
            Map<String, WeightTensor> all = new LinkedHashMap<>(w);
            all.put("layer.k.weight", w.get("layer.q.weight"));
            all.put("layer.k.bias", w.get("layer.q.bias"));
            try (Session s = new Session(g);
                    TFloat32 xs = TFloat32.tensorOf(Shape.of(rows, in), DataBuffers.of(x))) {
                Variables.assign(tf, s, context.parameters().variables(), all);
                Variables.assign(tf, s, lora.parameters().variables(), ab);
                try (Result res = s.runner().feed(input, xs).fetch(y).fetch(untouched).run()) {
                    float[] got = Tensors.floats((TFloat32) res.get(0));
                    float[] plain = Tensors.floats((TFloat32) res.get(1));
                    float[] a = ab.get("layer.q" + LoraAdapter.A).data();
                    float[] b = ab.get("layer.q" + LoraAdapter.B).data();
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < out; j++) {
                            double base = w.get("layer.q.bias").data()[j];
                            for (int k = 0; k < in; k++) {
                                base += x[i * in + k] * w.get("layer.q.weight").data()[k * out + j];
                            }
                            double low = 0;
                            for (int t = 0; t < 2; t++) {
                                double xa = 0;
                                for (int k = 0; k < in; k++) {
                                    xa += x[i * in + k] * a[k * 2 + t];
                                }
                                low += xa * b[t * out + j];
                            }
                            assertEquals(base + 3.0 * low, got[i * out + j], 1e-5);
                            assertEquals(base, plain[i * out + j], 1e-5);
                        }
                    }
                }
            }
        }
    }

    /** A as PEFT initialises it (uniform ±1/√in, not all equal), B zero: step 0 is the base. */
    @Test
    void freshAdaptersLeaveTheBaseModelUnchanged() throws Exception {
        Map<String, WeightTensor> base = TinyBert.weights(3);
        int[] ids = {2, 7, 9, 11, 3, 0};
        int[] mask = {1, 1, 1, 1, 1, 0};
        float[] without = logits(base, null, ids, mask);
        LoraAdapter[] lora = new LoraAdapter[1];
        float[] with = logits(base, LoraConfig.defaults(), ids, mask, lora);
        assertArrayEquals(without, with, 0f);
        assertEquals(4, lora[0].adapted().size()); // query and value of 2 layers
        Map<String, WeightTensor> fresh = lastAdapterValues;
        float bound = (float) (1 / Math.sqrt(TinyBert.CONFIG.hiddenSize()));
        for (var e : fresh.entrySet()) {
            float[] d = e.getValue().data();
            if (e.getKey().endsWith(LoraAdapter.B)) {
                for (float v : d) {
                    assertEquals(0f, v, e.getKey());
                }
            } else {
                assertArrayEquals(new long[] {32, 8}, e.getValue().shape());
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                for (float v : d) {
                    assertTrue(Math.abs(v) <= bound, e.getKey() + " " + v);
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                // spread over most of the range: uniform, not a constant or a narrow normal
                assertTrue(max - min > 1.6 * bound, e.getKey() + ": " + min + ".." + max);
            }
        }
    }

    @Test
    void unknownTargetModulesAreRefusedNamingTheLayers() throws Exception {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () ->
                                logits(
                                        TinyBert.weights(3),
                                        LoraConfig.builder()
                                                .optTargetModules(List.of("query", "q_proj"))
                                                .build(),
                                        new int[] {2, 3},
                                        new int[] {1, 1}));
        assertTrue(e.getMessage().contains("q_proj"), e.getMessage());
        assertTrue(e.getMessage().contains("query, value"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void badSettingsAreRefusedInOneLine() {
        IllegalArgumentException rank =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> LoraConfig.builder().optRank(0).build());
        assertTrue(
                rank.getMessage().contains("rank must be a positive integer"), rank.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> LoraConfig.builder().optAlpha(0).build());
        assertThrows(
                IllegalArgumentException.class, () -> LoraConfig.builder().optDropout(1).build());
        ModelException noDefault =
                assertThrows(
                        ModelException.class,
                        () -> LoraAdapter.create(LoraConfig.defaults(), "some-new-type"));
        assertTrue(noDefault.getMessage().contains("--lora-target-modules"));
        assertEquals(
                2.0, LoraConfig.builder().optRank(16).optAlpha(8).optRsLora(true).build().scale());
    }

    /** PEFT's defaults where PEFT has them, and the equivalent layers where it does not. */
    @Test
    void defaultTargetsArePefts() throws Exception {
        assertEquals(List.of("query", "value"), LoraTargets.defaults("bert"));
        assertEquals(List.of("c_attn"), LoraTargets.defaults("gpt2"));
        assertEquals(List.of("q_proj", "v_proj"), LoraTargets.defaults("llama"));
        assertEquals(List.of("query_proj", "value_proj"), LoraTargets.defaults("deberta-v2"));
        assertEquals(List.of("q_lin", "v_lin"), LoraTargets.defaults("distilbert"));
        assertEquals(List.of("Wqkv"), LoraTargets.defaults("modernbert"));
    }

    /**
     * An adapter written for one base is refused on a base of other sizes, in one line naming the
     * layer; on its own base it round-trips.
     */
    @Test
    void anAdapterOfAnotherBaseIsRefused() throws Exception {
        BertFamily family = new BertFamily();
        Map<String, long[]> shapes = shapes(TinyBert.CONFIG);
        Map<String, PeftAdapter.Layer> layers = new LinkedHashMap<>();
        Random r = new Random(5);
        for (int l = 0; l < 2; l++) {
            for (String m : List.of("query", "value")) {
                layers.put(
                        "encoder.layer." + l + ".attention.self." + m,
                        new PeftAdapter.Layer(
                                new WeightTensor(new long[] {32, 4}, random(r, 128)),
                                new WeightTensor(new long[] {4, 32}, random(r, 128)),
                                2.0));
            }
        }
        LoraConfig config =
                LoraConfig.builder()
                        .optRank(4)
                        .optAlpha(8)
                        .optTargetModules(List.of("query", "value"))
                        .build();
        Path out = dir.resolve("adapter");
        PeftAdapter.write(
                out,
                new PeftAdapter.Contents(
                        family,
                        ModelTask.EMBEDDING,
                        config,
                        layers,
                        Map.of(),
                        List.of(),
                        shapes.keySet(),
                        "tiny-bert",
                        null));
        assertTrue(Files.isRegularFile(out.resolve("adapter_config.json")));
        PeftAdapter adapter = PeftAdapter.read(out);
        PeftAdapter.Resolved back = adapter.resolve(family, ModelTask.EMBEDDING, shapes);
        assertEquals(layers.keySet(), back.layers().keySet());
        for (var e : layers.entrySet()) {
            assertArrayEquals(e.getValue().a().data(), back.layers().get(e.getKey()).a().data());
            assertArrayEquals(e.getValue().b().data(), back.layers().get(e.getKey()).b().data());
            assertEquals(2.0, back.layers().get(e.getKey()).scale(), 1e-12);
        }
        // A wider BERT: the adapter's lora_A is [4, 32] where the layer takes 48.
        BertConfig wider = new BertConfig(40, 48, 2, 4, 64, 64, 2, 1e-12, Activation.GELU);
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () -> adapter.resolve(family, ModelTask.EMBEDDING, shapes(wider)));
        assertTrue(e.getMessage().contains("is an adapter for another model"), e.getMessage());
        assertTrue(e.getMessage().contains("tiny-bert"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        // Not an adapter directory at all; an existing output is never overwritten.
        ModelException notAdapter = assertThrows(ModelException.class, () -> PeftAdapter.read(dir));
        assertTrue(notAdapter.getMessage().contains("not a PEFT adapter directory"));
        assertThrows(
                ModelException.class,
                () ->
                        PeftAdapter.write(
                                out,
                                new PeftAdapter.Contents(
                                        family,
                                        ModelTask.EMBEDDING,
                                        config,
                                        layers,
                                        Map.of(),
                                        List.of(),
                                        shapes.keySet(),
                                        "x",
                                        null)));
    }

    private static Map<String, long[]> shapes(BertConfig config) {
        try (Graph g = new Graph()) {
            BuildContext c = BuildContext.inference(Ops.create(g));
            new BertFamily().build(c, config);
            Map<String, long[]> out = new LinkedHashMap<>();
            c.parameters().parameters().forEach((n, p) -> out.put(n, p.shape()));
            return out;
        }
    }

    private static float[] logits(
            Map<String, WeightTensor> base, LoraConfig config, int[] ids, int[] mask)
            throws Exception {
        return logits(base, config, ids, mask, new LoraAdapter[1]);
    }

    /** Classifier logits of the tiny BERT in a training graph (dropout off), LoRA if configured. */
    private static float[] logits(
            Map<String, WeightTensor> base,
            LoraConfig config,
            int[] ids,
            int[] mask,
            LoraAdapter[] adapter)
            throws Exception {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            BuildContext context = BuildContext.training(tf);
            if (config != null) {
                adapter[0] = LoraAdapter.create(config, "bert");
                context = context.withAdapter(adapter[0]);
            }
            Backbone backbone = new BertFamily().build(context, TinyBert.CONFIG);
            SequenceClassificationHead head =
                    SequenceClassificationHead.build(backbone, 2, Pooling.POOLER);
            if (adapter[0] != null) {
                adapter[0].requireTargetsFound();
            }
            Map<String, WeightTensor> values = new LinkedHashMap<>(base);
            values.putAll(context.parameters().initialise(n -> !values.containsKey(n), 1));
            try (Session s = new Session(g);
                    TInt32 idT = TInt32.tensorOf(Shape.of(1, ids.length), DataBuffers.of(ids));
                    TInt32 maskT = TInt32.tensorOf(Shape.of(1, ids.length), DataBuffers.of(mask));
                    TInt32 types =
                            TInt32.tensorOf(
                                    Shape.of(1, ids.length), DataBuffers.of(new int[ids.length]))) {
                Variables.assign(tf, s, context.parameters().variables(), values);
                if (adapter[0] != null) {
                    lastAdapterValues = adapter[0].parameters().initialise(n -> true, 42);
                    Variables.assign(tf, s, adapter[0].parameters().variables(), lastAdapterValues);
                }
                try (Result r =
                        s.runner()
                                .feed(backbone.inputs().inputIds(), idT)
                                .feed(backbone.inputs().attentionMask(), maskT)
                                .feed(backbone.inputs().tokenTypeIds(), types)
                                .fetch(head.logits)
                                .run()) {
                    return Tensors.floats((TFloat32) r.get(0));
                }
            }
        }
    }

    private static float[] random(Random r, int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) r.nextGaussian();
        }
        return d;
    }
}
