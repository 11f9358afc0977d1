package dev.hubtune.bench;

import com.google.gson.Gson;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Gru;
import dev.hubtune.models.nn.Lstm;
import dev.hubtune.models.nn.RecurrentOutput;
import dev.hubtune.models.nn.RecurrentSpec;
import dev.hubtune.models.runtime.SessionOptions;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.Variables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * One process of the {@code rnn} benchmark over a bidirectional {@link Lstm} or {@link Gru} stack
 * and a full-length {@code [batch, steps, input]} batch, in one of three modes:
 *
 * <ul>
 *   <li>{@code train}: training steps, loss = mean(output · R) for a fixed random R, gradients of
 *       every weight, plain SGD — the step of {@code bench/peers/torch_rnn.py train};
 *   <li>{@code infer}: the inference graph, the final states fetched as a classifier pools them —
 *       {@code torch_rnn.py infer}.
 * </ul>
 *
 * <p>By default an LSTM trains unrolled and infers on the fused {@code BlockLSTMV2} kernel ({@code
 * RecurrentSpec.Kernel.AUTO}); {@code train-fused} (the kernel with its hand-wired gradient) and
 * {@code infer-unrolled} measure the other way. A GRU always unrolls.
 *
 * <p>Args: {@code MODE CELL BATCH STEPS INPUT UNITS LAYERS WARMUP ITERATIONS THREADS}; prints one
 * JSON line: sequences_per_s, median_ms (per batch), peak_rss_mb.
 */
public final class RnnProbe {

    private RnnProbe() {}

    /** Runs the probe. */
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String cell = args[1];
        int batch = Integer.parseInt(args[2]);
        int steps = Integer.parseInt(args[3]);
        int inputs = Integer.parseInt(args[4]);
        int units = Integer.parseInt(args[5]);
        int layers = Integer.parseInt(args[6]);
        int warmup = Integer.parseInt(args[7]);
        int iterations = Integer.parseInt(args[8]);
        int threads = Integer.parseInt(args[9]);
        boolean training = mode.startsWith("train");
        RecurrentSpec.Kernel kernel =
                mode.endsWith("-unrolled")
                        ? RecurrentSpec.Kernel.UNROLLED
                        : mode.endsWith("-fused")
                                ? RecurrentSpec.Kernel.FUSED
                                : RecurrentSpec.Kernel.AUTO;
        TensorFlowRuntime.load();
        Random random = new Random(0);
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            BuildContext context =
                    training ? BuildContext.training(tf) : BuildContext.inference(tf);
            RecurrentSpec spec =
                    RecurrentSpec.builder()
                            .setInputSize(inputs)
                            .setUnits(units)
                            .optLayers(layers)
                            .optBidirectional(true)
                            .optKernel(kernel)
                            .build();
            Placeholder<TFloat32> x =
                    tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, steps, inputs)));
            RecurrentOutput out =
                    cell.equals("lstm")
                            ? Lstm.create(context, "rnn", spec).apply(x, null)
                            : Gru.create(context, "rnn", spec).apply(x, null);
            Map<String, Variable<TFloat32>> vars = context.parameters().variables();
            Operand<TFloat32> fetch = out.last();
            Op train = null;
            if (training) {
                Operand<TFloat32> r =
                        tf.constant(
                                Shape.of(batch, steps, 2L * units),
                                DataBuffers.of(
                                        normal(random, batch * steps * 2 * units), true, false));
                fetch =
                        tf.math.mean(
                                tf.math.mul(out.sequences(), r), tf.constant(new int[] {0, 1, 2}));
                Output<?>[] grads =
                        g.addGradients(
                                fetch.asOutput(),
                                vars.values().stream()
                                        .map(Operand::asOutput)
                                        .toArray(Output[]::new));
                List<Op> updates = new ArrayList<>();
                int i = 0;
                for (Variable<TFloat32> v : vars.values()) {
                    @SuppressWarnings("unchecked")
                    Operand<TFloat32> grad = (Operand<TFloat32>) grads[i++];
                    updates.add(tf.train.applyGradientDescent(v, tf.constant(0.01f), grad));
                }
                train = tf.withControlDependencies(updates).noOp();
            }
            try (Session s = new Session(g, new SessionOptions(threads, false, false).toConfig());
                    TFloat32 xs =
                            TFloat32.tensorOf(
                                    Shape.of(batch, steps, inputs),
                                    DataBuffers.of(
                                            normal(random, batch * steps * inputs), true, false))) {
                Variables.assign(tf, s, vars, context.parameters().initialise(n -> true, 1));
                for (int w = 0; w < warmup; w++) {
                    step(s, x, xs, fetch, train);
                }
                double[] ms = new double[iterations];
                long start = System.nanoTime();
                for (int n = 0; n < iterations; n++) {
                    long t0 = System.nanoTime();
                    step(s, x, xs, fetch, train);
                    ms[n] = (System.nanoTime() - t0) / 1e6;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                java.util.Arrays.sort(ms);
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("sequences_per_s", batch * iterations / seconds);
                result.put("median_ms", ms[ms.length / 2]);
                result.put("peak_rss_mb", TrainingProbe.peakRssMb());
                System.out.println(new Gson().toJson(result));
            }
        }
    }

    private static void step(
            Session s, Placeholder<TFloat32> x, TFloat32 xs, Operand<TFloat32> fetch, Op train) {
        Session.Runner runner = s.runner().feed(x, xs).fetch(fetch);
        if (train != null) {
            runner.addTarget(train);
        }
        try (var result = runner.run()) {
            result.get(0);
        }
    }

    private static float[] normal(Random random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
