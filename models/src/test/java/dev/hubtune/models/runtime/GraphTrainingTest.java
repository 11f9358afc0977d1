package dev.hubtune.models.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.random.TruncatedNormal;
import org.tensorflow.types.TFloat32;

/** A TF Java graph with variables, gradients and an Adam update trains in graph mode. */
class GraphTrainingTest {

    @BeforeAll
    static void load() throws Exception {
        TensorFlowRuntime.load();
    }

    @Test
    void adamOnGraphGradientsDrivesTheLossDown() {
        // y = tanh(x W1) W2 with a known teacher; a 2-layer net must fit it.
        Random random = new Random(42);
        int n = 64;
        int in = 4;
        float[][] x = new float[n][in];
        float[][] y = new float[n][1];
        for (int i = 0; i < n; i++) {
            float target = 0;
            for (int j = 0; j < in; j++) {
                x[i][j] = (float) random.nextGaussian();
                target += (j + 1) * 0.3f * x[i][j];
            }
            y[i][0] = (float) Math.sin(target);
        }
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Ops init = tf.withInitScope();
            var xs = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, in)));
            var ys = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
            Variable<TFloat32> w1 = weight(tf, init, "w1", in, 16, 1);
            Variable<TFloat32> b1 =
                    tf.withName("b1")
                            .variable(init.zeros(init.constant(new long[] {16}), TFloat32.class));
            Variable<TFloat32> w2 = weight(tf, init, "w2", 16, 1, 2);
            var hidden = tf.math.tanh(tf.nn.biasAdd(tf.linalg.matMul(xs, w1), b1));
            var prediction = tf.linalg.matMul(hidden, w2);
            Operand<TFloat32> loss =
                    tf.math.mean(
                            tf.math.squaredDifference(prediction, ys),
                            tf.constant(new int[] {0, 1}));
            List<Variable<TFloat32>> vars = List.of(w1, b1, w2);
            Output<?>[] grads =
                    graph.addGradients(
                            loss.asOutput(),
                            vars.stream().map(Operand::asOutput).toArray(Output[]::new));
            assertEquals(vars.size(), grads.length);

            var beta1Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            var beta2Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            List<Op> updates = new ArrayList<>();
            for (int i = 0; i < vars.size(); i++) {
                var v = vars.get(i);
                var m = tf.withName("adam_m_" + i).variable(init.zerosLike(v));
                var s = tf.withName("adam_v_" + i).variable(init.zerosLike(v));
                @SuppressWarnings("unchecked")
                Operand<TFloat32> g = (Operand<TFloat32>) grads[i];
                updates.add(
                        tf.train.applyAdam(
                                v,
                                m,
                                s,
                                beta1Power,
                                beta2Power,
                                tf.constant(0.02f),
                                tf.constant(0.9f),
                                tf.constant(0.999f),
                                tf.constant(1e-7f),
                                g));
            }
            Op train = tf.withControlDependencies(updates).noOp();

            try (Session session = new Session(graph);
                    TFloat32 xt = TFloat32.tensorOf(StdArrays.ndCopyOf(x));
                    TFloat32 yt = TFloat32.tensorOf(StdArrays.ndCopyOf(y))) {
                session.initialize();
                float first = Float.NaN;
                float last = Float.NaN;
                for (int step = 1; step <= 100; step++) {
                    try (TFloat32 p1 = TFloat32.scalarOf((float) Math.pow(0.9, step));
                            TFloat32 p2 = TFloat32.scalarOf((float) Math.pow(0.999, step));
                            Result r =
                                    session.runner()
                                            .feed(xs, xt)
                                            .feed(ys, yt)
                                            .feed(beta1Power, p1)
                                            .feed(beta2Power, p2)
                                            .fetch(loss)
                                            .addTarget(train)
                                            .run()) {
                        float value = ((TFloat32) r.get(0)).getFloat();
                        assertTrue(Float.isFinite(value), "loss at step " + step);
                        if (step == 1) {
                            first = value;
                        }
                        last = value;
                    }
                }
                assertTrue(first > 0.1f, "a real starting loss: " + first);
                assertTrue(last < first * 0.1f, "loss " + first + " -> " + last);
            }
        }
    }

    private static Variable<TFloat32> weight(
            Ops tf, Ops init, String name, int in, int out, long seed) {
        var normal =
                init.random.truncatedNormal(
                        init.constant(new long[] {in, out}),
                        TFloat32.class,
                        TruncatedNormal.seed(seed));
        return tf.withName(name).variable(init.math.mul(normal, init.constant(0.5f)));
    }
}
