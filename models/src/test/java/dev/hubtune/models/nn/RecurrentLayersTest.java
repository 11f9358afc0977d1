package dev.hubtune.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The recurrent layers' contracts beyond parity: converters round-trip, a padded batch gives each
 * sequence what it gives alone, dropout between layers acts only when fed, fresh weights follow
 * Keras's initializers, and mistakes get a message saying what to do.
 */
class RecurrentLayersTest {

    @BeforeAll
    static void load() throws Exception {
        TensorFlowRuntime.load();
    }

    @Test
    void pyTorchConvertersRoundTrip() {
        Random r = new Random(3);
        Map<String, WeightTensor> gru = new LinkedHashMap<>();
        for (String sfx : List.of("_l0", "_l0_reverse", "_l1", "_l1_reverse")) {
            int in = sfx.startsWith("_l0") ? 5 : 8;
            gru.put("m.weight_ih" + sfx, WeightTensor.normal(r, 1, 12, in));
            gru.put("m.weight_hh" + sfx, WeightTensor.normal(r, 1, 12, 4));
            gru.put("m.bias_ih" + sfx, WeightTensor.normal(r, 1, 12));
            gru.put("m.bias_hh" + sfx, WeightTensor.normal(r, 1, 12));
        }
        Map<String, WeightTensor> ours =
                RecurrentWeights.fromPyTorch(RecurrentCell.GRU, gru, "m.", "enc");
        assertEquals(12, ours.size());
        assertArrayEquals(new long[] {5, 12}, ours.get("enc.l0.kernel").shape());
        assertArrayEquals(new long[] {2, 12}, ours.get("enc.l1_reverse.bias").shape());
        // GRU: z, r, h here; r, z, n in PyTorch — the update gate is PyTorch's second block.
        assertEquals(
                gru.get("m.weight_ih_l0").data()[4 * 5 + 2],
                ours.get("enc.l0.kernel").data()[2 * 12]);
        Map<String, WeightTensor> back =
                RecurrentWeights.toPyTorch(RecurrentCell.GRU, ours, "enc", "m.");
        assertEquals(gru.keySet(), back.keySet());
        gru.forEach((k, v) -> assertArrayEquals(v.data(), back.get(k).data(), 0f, k));

        Map<String, WeightTensor> lstm = new LinkedHashMap<>();
        lstm.put("weight_ih_l0", WeightTensor.normal(r, 1, 8, 3));
        lstm.put("weight_hh_l0", WeightTensor.normal(r, 1, 8, 2));
        lstm.put("bias_ih_l0", WeightTensor.normal(r, 1, 8));
        lstm.put("bias_hh_l0", WeightTensor.normal(r, 1, 8));
        Map<String, WeightTensor> l =
                RecurrentWeights.fromPyTorch(RecurrentCell.LSTM, lstm, "", "x");
        float[] bias = l.get("x.l0.bias").data();
        for (int i = 0; i < 8; i++) {
            assertEquals(
                    lstm.get("bias_ih_l0").data()[i] + lstm.get("bias_hh_l0").data()[i], bias[i]);
        }
        Map<String, WeightTensor> lb = RecurrentWeights.toPyTorch(RecurrentCell.LSTM, l, "x", "");
        assertArrayEquals(lstm.get("weight_hh_l0").data(), lb.get("weight_hh_l0").data(), 0f);
        assertArrayEquals(bias, lb.get("bias_ih_l0").data(), 0f);
        assertArrayEquals(new float[8], lb.get("bias_hh_l0").data(), 0f);
    }

    @Test
    void aPaddedBatchGivesEachSequenceWhatItGivesAlone() {
        // Sequence 1 is the first 2 steps of a batch padded to 4 (with garbage in the padding);
        // alone it is a batch of 2 steps. Outputs at real steps and the last state must agree.
        Random r = new Random(11);
        float[] padded = new float[2 * 4 * 3];
        for (int i = 0; i < padded.length; i++) {
            padded[i] = (float) r.nextGaussian();
        }
        float[] alone = new float[2 * 3];
        System.arraycopy(padded, 4 * 3, alone, 0, alone.length);
        float[] mask = {1, 1, 1, 1, 1, 1, 0, 0};
        // every kernel of an LSTM (AUTO: fused for inference, unrolled for training), and a GRU
        for (boolean gru : new boolean[] {false, true}) {
            for (RecurrentSpec.Kernel kernel : RecurrentSpec.Kernel.values()) {
                for (boolean training : new boolean[] {false, true}) {
                    RecurrentSpec variant =
                            RecurrentSpec.builder()
                                    .setInputSize(3)
                                    .setUnits(4)
                                    .optLayers(2)
                                    .optBidirectional(true)
                                    .optReturnSequences(false)
                                    .optKernel(kernel)
                                    .build();
                    float[][] batch = run(variant, gru, padded, 4, mask, training);
                    float[][] single = run(variant, gru, alone, 2, new float[] {1, 1}, training);
                    for (int j = 0; j < 8; j++) {
                        assertEquals(single[1][j], batch[1][8 + j], 1e-6, "last state " + j);
                    }
                    for (int t = 0; t < 2; t++) {
                        for (int j = 0; j < 8; j++) {
                            assertEquals(single[0][t * 8 + j], batch[0][(4 + t) * 8 + j], 1e-6);
                        }
                    }
                    for (int j = 0; j < 16; j++) {
                        assertEquals(
                                0f, batch[0][(4 + 2) * 8 + j], 0f, "padded steps output zeros");
                    }
                }
            }
        }
    }

    @Test
    void anEmptyBatchRunsThroughTheFusedKernel() {
        RecurrentSpec spec =
                RecurrentSpec.builder().setInputSize(3).setUnits(4).optBidirectional(true).build();
        float[][] out = run(spec, false, new float[0], 3, new float[0], false);
        assertEquals(0, out[0].length, "no outputs");
        assertEquals(0, out[1].length, "no states");
    }

    @Test
    void theFusedLstmRefusesAMaskThatIsNotRightPadded() {
        RecurrentSpec spec = RecurrentSpec.builder().setInputSize(3).setUnits(4).build();
        float[] x = new float[3 * 3];
        Exception e =
                assertThrows(
                        Exception.class,
                        () -> run(spec, false, x, 3, new float[] {1, 0, 1}, false));
        assertTrue(e.getMessage().contains("right-padded"), e.getMessage());
        // the unrolled stack takes any mask: a hole keeps the state
        RecurrentSpec unrolled =
                RecurrentSpec.builder()
                        .setInputSize(3)
                        .setUnits(4)
                        .optKernel(RecurrentSpec.Kernel.UNROLLED)
                        .build();
        assertEquals(2, run(unrolled, false, x, 3, new float[] {1, 0, 1}, false).length);
    }

    @Test
    void dropoutBetweenLayersActsOnlyWhenARateIsFed() {
        RecurrentSpec spec =
                RecurrentSpec.builder().setInputSize(3).setUnits(4).optLayers(2).build();
        float[] x = new float[3 * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.3f * i - 1;
        }
        float[] mask = {1, 1, 1};
        float[][] inference = run(spec, false, x, 3, mask, false);
        float[][] unfed = run(spec, false, x, 3, mask, true);
        // 1e-6, not 0: the inference graph runs the fused kernel, the training graph unrolls
        assertArrayEquals(inference[0], unfed[0], 1e-6f);
        float[][] dropped = runWithRate(spec, x, 3, mask, 0.5f);
        assertNotEquals(
                java.util.Arrays.toString(inference[0]), java.util.Arrays.toString(dropped[0]));
        RecurrentSpec none =
                RecurrentSpec.builder()
                        .setInputSize(3)
                        .setUnits(4)
                        .optLayers(2)
                        .optDropoutBetweenLayers(false)
                        .build();
        assertArrayEquals(unfed[0], runWithRate(none, x, 3, mask, 0.5f)[0], 0f);
    }

    @Test
    void freshWeightsFollowKerasInitializers() {
        try (Graph g = new Graph()) {
            BuildContext context = BuildContext.inference(Ops.create(g));
            Lstm.create(
                    context, "enc", RecurrentSpec.builder().setInputSize(6).setUnits(5).build());
            Map<String, WeightTensor> w = context.parameters().initialise(n -> true, 1);
            WeightTensor rk = w.get("enc.l0.recurrent_kernel");
            for (int a = 0; a < 5; a++) {
                for (int b = 0; b < 5; b++) {
                    double dot = 0;
                    for (int j = 0; j < 20; j++) {
                        dot += rk.data()[a * 20 + j] * rk.data()[b * 20 + j];
                    }
                    assertEquals(a == b ? 1 : 0, dot, 1e-5, "recurrent kernel rows orthonormal");
                }
            }
            float[] bias = w.get("enc.l0.bias").data();
            for (int i = 0; i < 20; i++) {
                assertEquals(i >= 5 && i < 10 ? 1f : 0f, bias[i], "forget-gate bias 1");
            }
            double limit = Math.sqrt(6.0 / (6 + 20));
            for (float v : w.get("enc.l0.kernel").data()) {
                assertTrue(Math.abs(v) <= limit);
            }
        }
    }

    @Test
    void mistakesSayWhatToDo() {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            BuildContext context = BuildContext.inference(tf);
            Lstm lstm =
                    Lstm.create(
                            context,
                            "enc",
                            RecurrentSpec.builder().setInputSize(3).setUnits(2).build());
            var dynamic = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 3)));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> lstm.apply(dynamic, null));
            assertTrue(e.getMessage().contains("static"), e.getMessage());
            var x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4, 3)));
            e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> lstm.apply(x, null, RecurrentState.ofHidden(List.of(x))));
            assertTrue(e.getMessage().contains("1 hidden and 1 cell"), e.getMessage());
        }
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                RecurrentWeights.fromPyTorch(
                                        RecurrentCell.LSTM,
                                        Map.of("rnn.weight_ih_l0", WeightTensor.zeros(8)),
                                        "lstm.",
                                        "enc"));
        assertTrue(e.getMessage().contains("rnn.weight_ih_l0"), e.getMessage());
        assertThrows(
                IllegalStateException.class, () -> RecurrentSpec.builder().setUnits(3).build());
    }

    private static float[][] run(
            RecurrentSpec spec, boolean gru, float[] x, int steps, float[] mask, boolean training) {
        return execute(spec, gru, x, steps, mask, training, -1f);
    }

    private static float[][] runWithRate(
            RecurrentSpec spec, float[] x, int steps, float[] mask, float rate) {
        return execute(spec, false, x, steps, mask, true, rate);
    }

    private static float[][] execute(
            RecurrentSpec spec,
            boolean gru,
            float[] x,
            int steps,
            float[] mask,
            boolean training,
            float rate) {
        int batch = mask.length / steps;
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            BuildContext context =
                    training ? BuildContext.training(tf) : BuildContext.inference(tf);
            var xs =
                    tf.placeholder(
                            TFloat32.class,
                            Placeholder.shape(Shape.of(-1, steps, spec.inputSize())));
            var ms = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, steps)));
            RecurrentOutput out =
                    gru
                            ? Gru.create(context, "enc", spec).apply(xs, ms)
                            : Lstm.create(context, "enc", spec).apply(xs, ms);
            try (Session s = new Session(g);
                    TFloat32 xt =
                            TFloat32.tensorOf(
                                    Shape.of(batch, steps, spec.inputSize()),
                                    DataBuffers.of(x, true, false));
                    TFloat32 mt =
                            TFloat32.tensorOf(
                                    Shape.of(batch, steps), DataBuffers.of(mask, true, false));
                    TFloat32 rt = TFloat32.scalarOf(Math.max(rate, 0f));
                    TInt64 seed = TInt64.vectorOf(7, 1)) {
                Variables.assign(
                        tf,
                        s,
                        context.parameters().variables(),
                        context.parameters().initialise(n -> true, 5));
                Session.Runner runner = s.runner().feed(xs, xt).feed(ms, mt);
                if (rate >= 0) {
                    runner.feed(context.dropoutControl().rate, rt)
                            .feed(context.dropoutControl().seed, seed);
                }
                runner.fetch(out.sequences());
                if (!spec.returnSequences()) {
                    runner.fetch(out.output());
                }
                try (Result r = runner.run()) {
                    float[] sequences = Tensors.floats((TFloat32) r.get(0));
                    return new float[][] {
                        sequences,
                        spec.returnSequences() ? sequences : Tensors.floats((TFloat32) r.get(1))
                    };
                }
            }
        }
    }
}
