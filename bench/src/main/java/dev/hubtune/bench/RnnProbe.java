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
 * One process of the {@code rnn} benchmark: training steps of a bidirectional {@link Lstm} or
 * {@link Gru} stack (hubtune's unrolled graph) on a full-length {@code [batch, steps, input]}
 * batch, loss = mean(output · R) for a fixed random R, gradients of every weight, plain SGD. The
 * same step as {@code bench/peers/torch_rnn.py}.
 *
 * <p>Args: {@code CELL BATCH STEPS INPUT UNITS LAYERS WARMUP ITERATIONS THREADS}; prints one JSON
 * line: sequences_per_s, peak_rss_mb.
 */
public final class RnnProbe {

    private RnnProbe() {}

    /** Runs the probe. */
    public static void main(String[] args) throws Exception {
        String cell = args[0];
        int batch = Integer.parseInt(args[1]);
        int steps = Integer.parseInt(args[2]);
        int inputs = Integer.parseInt(args[3]);
        int units = Integer.parseInt(args[4]);
        int layers = Integer.parseInt(args[5]);
        int warmup = Integer.parseInt(args[6]);
        int iterations = Integer.parseInt(args[7]);
        int threads = Integer.parseInt(args[8]);
        TensorFlowRuntime.load();
        Random random = new Random(0);
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            BuildContext context = BuildContext.inference(tf);
            RecurrentSpec spec =
                    RecurrentSpec.builder()
                            .setInputSize(inputs)
                            .setUnits(units)
                            .optLayers(layers)
                            .optBidirectional(true)
                            .build();
            Placeholder<TFloat32> x =
                    tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, steps, inputs)));
            RecurrentOutput out =
                    cell.equals("lstm")
                            ? Lstm.create(context, "rnn", spec).apply(x, null)
                            : Gru.create(context, "rnn", spec).apply(x, null);
            Operand<TFloat32> r =
                    tf.constant(
                            Shape.of(batch, steps, 2L * units),
                            DataBuffers.of(normal(random, batch * steps * 2 * units), true, false));
            Operand<TFloat32> loss =
                    tf.math.mean(tf.math.mul(out.sequences(), r), tf.constant(new int[] {0, 1, 2}));
            Map<String, Variable<TFloat32>> vars = context.parameters().variables();
            Output<?>[] grads =
                    g.addGradients(
                            loss.asOutput(),
                            vars.values().stream().map(Operand::asOutput).toArray(Output[]::new));
            List<Op> updates = new ArrayList<>();
            int i = 0;
            for (Variable<TFloat32> v : vars.values()) {
                @SuppressWarnings("unchecked")
                Operand<TFloat32> grad = (Operand<TFloat32>) grads[i++];
                updates.add(tf.train.applyGradientDescent(v, tf.constant(0.01f), grad));
            }
            Op train = tf.withControlDependencies(updates).noOp();
            try (Session s = new Session(g, new SessionOptions(threads, false, false).toConfig());
                    TFloat32 xs =
                            TFloat32.tensorOf(
                                    Shape.of(batch, steps, inputs),
                                    DataBuffers.of(
                                            normal(random, batch * steps * inputs), true, false))) {
                Variables.assign(tf, s, vars, context.parameters().initialise(n -> true, 1));
                for (int w = 0; w < warmup; w++) {
                    step(s, x, xs, loss, train);
                }
                long start = System.nanoTime();
                for (int n = 0; n < iterations; n++) {
                    step(s, x, xs, loss, train);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("sequences_per_s", batch * iterations / seconds);
                result.put("peak_rss_mb", TrainingProbe.peakRssMb());
                System.out.println(new Gson().toJson(result));
            }
        }
    }

    private static void step(
            Session s, Placeholder<TFloat32> x, TFloat32 xs, Operand<TFloat32> loss, Op train) {
        try (var result = s.runner().feed(x, xs).fetch(loss).addTarget(train).run()) {
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
