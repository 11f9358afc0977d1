package dev.hubtune.models.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.testing.FormulaWeights;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * {@link Lstm} and {@link Gru} against PyTorch's {@code nn.LSTM}/{@code nn.GRU} (packed ragged
 * batches; weights in PyTorch's layout converted by {@link RecurrentWeights#fromPyTorch}) and Keras
 * 3's {@code LSTM}/{@code GRU} (masked; weights in Keras's layout loaded as they are): outputs and
 * final states within 1e-5, and for the PyTorch cases the gradients of a scalar loss with respect
 * to the inputs, the initial states and every weight within 1e-4 of autograd. The fixture comes
 * from {@code tools/reference/rnn_reference.py}.
 */
class RecurrentParityTest {

    private static final String MODULE = "rnn";
    private static JsonArray cases;

    @BeforeAll
    static void load() throws Exception {
        TensorFlowRuntime.load();
        try (InputStream in =
                RecurrentParityTest.class.getResourceAsStream("/reference/rnn-reference.json")) {
            cases =
                    JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                            .getAsJsonObject()
                            .getAsJsonArray("cases");
        }
    }

    static Stream<String> torchCases() throws Exception {
        load();
        List<String> names = new ArrayList<>();
        cases.forEach(
                c -> {
                    if (c.getAsJsonObject().get("layout").getAsString().equals("pytorch")) {
                        names.add(c.getAsJsonObject().get("name").getAsString());
                    }
                });
        return names.stream();
    }

    static Stream<String> kerasCases() throws Exception {
        load();
        List<String> names = new ArrayList<>();
        cases.forEach(
                c -> {
                    if (c.getAsJsonObject().get("layout").getAsString().equals("keras")) {
                        names.add(c.getAsJsonObject().get("name").getAsString());
                    }
                });
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("torchCases")
    void matchesPyTorchOutputsStatesAndGradients(String name) {
        // a training graph: unrolled by default
        matchesPyTorch(name, RecurrentSpec.Kernel.AUTO);
    }

    @ParameterizedTest
    @MethodSource("torchCases")
    void theFusedLstmWithItsHandWiredGradientMatchesPyTorchToo(String name) {
        if (cell(find(name)) == RecurrentCell.LSTM) {
            matchesPyTorch(name, RecurrentSpec.Kernel.FUSED);
        }
    }

    private void matchesPyTorch(String name, RecurrentSpec.Kernel kernel) {
        JsonObject c = find(name);
        String label =
                cell(c) == RecurrentCell.LSTM
                        ? (kernel == RecurrentSpec.Kernel.FUSED ? "fused " : "unrolled ")
                        : "";
        RecurrentCell cell = cell(c);
        Map<String, long[]> shapes = shapes(c);
        Map<String, WeightTensor> torch = FormulaWeights.llamaFamily(shapes, false);
        Map<String, WeightTensor> ours = RecurrentWeights.fromPyTorch(cell, torch, "", MODULE);

        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Built b = build(tf, c, cell, true, kernel);
            // loss = Σ out·gy + Σ h_n·gh (+ Σ c_n·gc), the reference's scalar.
            Operand<TFloat32> loss =
                    tf.reduceSum(
                            tf.math.mul(b.out.sequences(), constant(tf, c.get("gy"))),
                            tf.constant(new int[] {0, 1, 2}));
            loss =
                    tf.math.add(
                            loss,
                            tf.reduceSum(
                                    tf.math.mul(
                                            tf.stack(b.out.finalState().hidden()),
                                            constant(tf, c.get("gh"))),
                                    tf.constant(new int[] {0, 1, 2})));
            if (cell.hasCellState()) {
                loss =
                        tf.math.add(
                                loss,
                                tf.reduceSum(
                                        tf.math.mul(
                                                tf.stack(b.out.finalState().cell()),
                                                constant(tf, c.get("gc"))),
                                        tf.constant(new int[] {0, 1, 2})));
            }
            List<Output<?>> wrt = new ArrayList<>();
            wrt.add(b.x.asOutput());
            b.h0.forEach(h -> wrt.add(h.asOutput()));
            b.c0.forEach(h -> wrt.add(h.asOutput()));
            Map<String, org.tensorflow.op.core.Variable<TFloat32>> vars =
                    b.context.parameters().variables();
            vars.values().forEach(v -> wrt.add(v.asOutput()));
            Output<?>[] grads = g.addGradients(loss.asOutput(), wrt.toArray(Output[]::new));

            try (Session s = new Session(g)) {
                Variables.assign(tf, s, vars, ours);
                List<Operand<?>> fetches = new ArrayList<>();
                fetches.add(b.out.sequences());
                fetches.add(tf.stack(b.out.finalState().hidden()));
                if (cell.hasCellState()) {
                    fetches.add(tf.stack(b.out.finalState().cell()));
                }
                fetches.add(loss);
                fetches.add(b.out.last());
                for (Output<?> o : grads) {
                    fetches.add(o);
                }
                List<float[]> r = run(s, b, c, fetches);
                int i = 0;
                assertClose(flat(c.get("output")), r.get(i++), 1e-5, label + name + " output");
                assertClose(flat(c.get("h_n")), r.get(i++), 1e-5, label + name + " h_n");
                if (cell.hasCellState()) {
                    assertClose(flat(c.get("c_n")), r.get(i++), 1e-5, label + name + " c_n");
                }
                assertClose(
                        new double[] {c.get("loss").getAsDouble()},
                        r.get(i++),
                        1e-4,
                        label + name + " loss");
                assertClose(lastLayerStates(c), r.get(i++), 1e-5, label + name + " last state");
                assertClose(flat(c.get("grad_x")), r.get(i++), 1e-4, label + name + " ∂loss/∂x");
                if (!b.h0.isEmpty()) {
                    assertClose(
                            flat(c.get("grad_h0")),
                            stacked(r, i, b.h0.size()),
                            1e-4,
                            label + name + " ∂loss/∂h0");
                    i += b.h0.size();
                }
                if (!b.c0.isEmpty()) {
                    assertClose(
                            flat(c.get("grad_c0")),
                            stacked(r, i, b.c0.size()),
                            1e-4,
                            label + name + " ∂loss/∂c0");
                    i += b.c0.size();
                }
                // Our gradients, in PyTorch's layout through the same converters as the weights.
                Map<String, WeightTensor> ourGrads = new LinkedHashMap<>();
                for (String v : vars.keySet()) {
                    ourGrads.put(v, new WeightTensor(vars.get(v).shape().asArray(), r.get(i++)));
                }
                Map<String, WeightTensor> asTorch =
                        RecurrentWeights.toPyTorch(cell, ourGrads, MODULE, "");
                JsonObject expected = c.getAsJsonObject("grads");
                for (String p : shapes.keySet()) {
                    String ours2 = p;
                    if (cell == RecurrentCell.LSTM && p.startsWith("bias_hh")) {
                        // One LSTM bias stands for PyTorch's two, which always enter as a sum:
                        // both of PyTorch's gradients equal the gradient of ours.
                        ours2 = p.replace("bias_hh", "bias_ih");
                    }
                    assertClose(
                            flat(expected.get(p)),
                            asTorch.get(ours2).data(),
                            1e-4,
                            label + name + " ∂loss/∂" + p);
                }
                assertEquals(shapes.size(), expected.size());
            }
        }
    }

    /** Inference graphs (for an LSTM the fused kernel, for a GRU the unrolled stack). */
    @ParameterizedTest
    @MethodSource("torchCases")
    void inferenceGraphsMatchPyTorchOutputsAndStates(String name) {
        JsonObject c = find(name);
        RecurrentCell cell = cell(c);
        Map<String, long[]> shapes = shapes(c);
        Map<String, WeightTensor> ours =
                RecurrentWeights.fromPyTorch(
                        cell, FormulaWeights.llamaFamily(shapes, false), "", MODULE);
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Built b = build(tf, c, cell, false, RecurrentSpec.Kernel.AUTO);
            boolean fused = false;
            for (var it = g.operations(); it.hasNext(); ) {
                fused |= it.next().type().equals("BlockLSTMV2");
            }
            assertEquals(cell == RecurrentCell.LSTM, fused, "an LSTM runs the fused kernel");
            try (Session s = new Session(g)) {
                Variables.assign(tf, s, b.context.parameters().variables(), ours);
                List<Operand<?>> fetches = new ArrayList<>();
                fetches.add(b.out.sequences());
                fetches.add(tf.stack(b.out.finalState().hidden()));
                if (cell.hasCellState()) {
                    fetches.add(tf.stack(b.out.finalState().cell()));
                }
                fetches.add(b.out.last());
                List<float[]> r = run(s, b, c, fetches);
                int i = 0;
                String label = "inference " + name;
                assertClose(flat(c.get("output")), r.get(i++), 1e-5, label + " output");
                assertClose(flat(c.get("h_n")), r.get(i++), 1e-5, label + " h_n");
                if (cell.hasCellState()) {
                    assertClose(flat(c.get("c_n")), r.get(i++), 1e-5, label + " c_n");
                }
                assertClose(lastLayerStates(c), r.get(i++), 1e-5, label + " last state");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kerasCases")
    void matchesKerasWithKerasLayoutWeightsAsTheyAre(String name) {
        JsonObject c = find(name);
        RecurrentCell cell = cell(c);
        Map<String, long[]> shapes = shapes(c);
        // The fixture's names are Keras's get_weights() order; the list goes through fromKeras.
        List<WeightTensor> keras =
                new ArrayList<>(FormulaWeights.llamaFamily(shapes, false).values());
        Map<String, WeightTensor> ours =
                RecurrentWeights.fromKeras(
                        cell,
                        keras,
                        c.get("layers").getAsInt(),
                        c.get("bidirectional").getAsBoolean(),
                        MODULE);
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Built b = build(tf, c, cell, false, RecurrentSpec.Kernel.AUTO);
            Map<String, org.tensorflow.op.core.Variable<TFloat32>> vars =
                    b.context.parameters().variables();
            assertEquals(
                    shapes.keySet().stream().map(n -> MODULE + "." + n).toList(),
                    new ArrayList<>(vars.keySet()));
            try (Session s = new Session(g)) {
                Variables.assign(tf, s, vars, ours);
                List<Operand<?>> fetches = new ArrayList<>();
                fetches.add(b.out.sequences());
                int layers = c.get("layers").getAsInt();
                int directions = c.get("bidirectional").getAsBoolean() ? 2 : 1;
                List<Operand<TFloat32>> lastH =
                        b.out.finalState()
                                .hidden()
                                .subList((layers - 1) * directions, layers * directions);
                fetches.add(tf.stack(lastH));
                if (cell.hasCellState()) {
                    fetches.add(
                            tf.stack(
                                    b.out.finalState()
                                            .cell()
                                            .subList(
                                                    (layers - 1) * directions,
                                                    layers * directions)));
                }
                List<float[]> r = run(s, b, c, fetches);
                assertClose(flat(c.get("output")), r.get(0), 1e-5, name + " output");
                assertClose(flat(c.get("h_last")), r.get(1), 1e-5, name + " final h");
                if (cell.hasCellState()) {
                    assertClose(flat(c.get("c_last")), r.get(2), 1e-5, name + " final c");
                }
            }
        }
        // And back: toKeras gives Keras's list again.
        List<WeightTensor> back = RecurrentWeights.toKeras(ours, MODULE);
        assertEquals(keras.size(), back.size());
        for (int i = 0; i < keras.size(); i++) {
            assertTrue(java.util.Arrays.equals(keras.get(i).data(), back.get(i).data()));
        }
    }

    private record Built(
            BuildContext context,
            Placeholder<TFloat32> x,
            Placeholder<TFloat32> mask,
            List<Placeholder<TFloat32>> h0,
            List<Placeholder<TFloat32>> c0,
            RecurrentOutput out) {}

    /** The layer of case {@code c} in a training or an inference graph, fused or unrolled. */
    private static Built build(
            Ops tf,
            JsonObject c,
            RecurrentCell cell,
            boolean training,
            RecurrentSpec.Kernel kernel) {
        int steps = c.getAsJsonArray("x").get(0).getAsJsonArray().size();
        int units = c.get("units").getAsInt();
        int inputs = c.get("inputs").getAsInt();
        RecurrentSpec spec =
                RecurrentSpec.builder()
                        .setInputSize(inputs)
                        .setUnits(units)
                        .optLayers(c.get("layers").getAsInt())
                        .optBidirectional(c.get("bidirectional").getAsBoolean())
                        .optKernel(kernel)
                        .build();
        BuildContext context = training ? BuildContext.training(tf) : BuildContext.inference(tf);
        Placeholder<TFloat32> x =
                tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, steps, inputs)));
        Placeholder<TFloat32> mask =
                tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, steps)));
        List<Placeholder<TFloat32>> h0 = new ArrayList<>();
        List<Placeholder<TFloat32>> c0 = new ArrayList<>();
        int states = spec.layers() * spec.directions();
        if (c.has("h0")) {
            for (int i = 0; i < states; i++) {
                h0.add(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, units))));
                if (cell.hasCellState()) {
                    c0.add(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, units))));
                }
            }
        }
        RecurrentOutput out;
        if (cell == RecurrentCell.LSTM) {
            Lstm layer = Lstm.create(context, MODULE, spec);
            out =
                    h0.isEmpty()
                            ? layer.apply(x, mask)
                            : layer.apply(x, mask, new RecurrentState(ops(h0), ops(c0)));
        } else {
            Gru layer = Gru.create(context, MODULE, spec);
            out =
                    h0.isEmpty()
                            ? layer.apply(x, mask)
                            : layer.apply(x, mask, RecurrentState.ofHidden(ops(h0)));
        }
        return new Built(context, x, mask, h0, c0, out);
    }

    /** The case's parameter shapes, by name, in the fixture's order. */
    private static Map<String, long[]> shapes(JsonObject c) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        c.getAsJsonObject("shapes")
                .entrySet()
                .forEach(e -> shapes.put(e.getKey(), longs(e.getValue())));
        return shapes;
    }

    private static List<float[]> run(Session s, Built b, JsonObject c, List<Operand<?>> fetches) {
        List<TFloat32> fed = new ArrayList<>();
        try {
            Session.Runner runner = s.runner();
            TFloat32 x = tensor(c.get("x"));
            fed.add(x);
            runner.feed(b.x, x);
            JsonArray lengths = c.getAsJsonArray("lengths");
            int steps = c.getAsJsonArray("x").get(0).getAsJsonArray().size();
            float[] mask = new float[lengths.size() * steps];
            for (int i = 0; i < lengths.size(); i++) {
                for (int t = 0; t < lengths.get(i).getAsInt(); t++) {
                    mask[i * steps + t] = 1f;
                }
            }
            TFloat32 m =
                    TFloat32.tensorOf(
                            Shape.of(lengths.size(), steps), DataBuffers.of(mask, true, false));
            fed.add(m);
            runner.feed(b.mask, m);
            feedStates(runner, b.h0, c, "h0", fed);
            feedStates(runner, b.c0, c, "c0", fed);
            fetches.forEach(runner::fetch);
            List<float[]> out = new ArrayList<>();
            try (Result r = runner.run()) {
                for (int i = 0; i < fetches.size(); i++) {
                    out.add(Tensors.floats((TFloat32) r.get(i)));
                }
            }
            return out;
        } finally {
            fed.forEach(TFloat32::close);
        }
    }

    private static void feedStates(
            Session.Runner runner,
            List<Placeholder<TFloat32>> placeholders,
            JsonObject c,
            String key,
            List<TFloat32> fed) {
        for (int i = 0; i < placeholders.size(); i++) {
            TFloat32 t = tensor(c.getAsJsonArray(key).get(i));
            fed.add(t);
            runner.feed(placeholders.get(i), t);
        }
    }

    private static List<Operand<TFloat32>> ops(List<Placeholder<TFloat32>> p) {
        return new ArrayList<>(p);
    }

    /** h_n's last layer, forward then backward concatenated per sequence: [B, D·u]. */
    private static double[] lastLayerStates(JsonObject c) {
        JsonArray hn = c.getAsJsonArray("h_n");
        int directions = c.get("bidirectional").getAsBoolean() ? 2 : 1;
        int first = hn.size() - directions;
        int batch = hn.get(0).getAsJsonArray().size();
        List<Double> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            for (int d = 0; d < directions; d++) {
                flatten(hn.get(first + d).getAsJsonArray().get(b), out);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static float[] stacked(List<float[]> r, int from, int n) {
        int len = r.get(from).length;
        float[] out = new float[n * len];
        for (int i = 0; i < n; i++) {
            System.arraycopy(r.get(from + i), 0, out, i * len, len);
        }
        return out;
    }

    private static JsonObject find(String name) {
        for (JsonElement e : cases) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new AssertionError("no case " + name);
    }

    private static RecurrentCell cell(JsonObject c) {
        return c.get("cell").getAsString().equals("lstm") ? RecurrentCell.LSTM : RecurrentCell.GRU;
    }

    private static Operand<TFloat32> constant(Ops tf, JsonElement e) {
        double[] v = flat(e);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return tf.constant(Shape.of(shape(e)), DataBuffers.of(f, true, false));
    }

    private static TFloat32 tensor(JsonElement e) {
        double[] v = flat(e);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return TFloat32.tensorOf(Shape.of(shape(e)), DataBuffers.of(f, true, false));
    }

    private static long[] shape(JsonElement e) {
        List<Long> dims = new ArrayList<>();
        while (e.isJsonArray()) {
            dims.add((long) e.getAsJsonArray().size());
            e = e.getAsJsonArray().get(0);
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static double[] flat(JsonElement e) {
        List<Double> out = new ArrayList<>();
        flatten(e, out);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void flatten(JsonElement e, List<Double> out) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> flatten(x, out));
        } else {
            out.add(e.getAsDouble());
        }
    }

    private static long[] longs(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": number of values");
        double max = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (d > max) {
                max = d;
                at = i;
            }
        }
        assertTrue(max <= tol, what + ": max |Δ| " + max + " at " + at + " > " + tol);
        System.out.printf("%s: max |Δ| %.2e%n", what, max);
    }
}
