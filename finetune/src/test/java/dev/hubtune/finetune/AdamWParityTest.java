package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * AdamW against torch.optim.AdamW on a loss with closed-form gradients: decoupled weight decay on
 * the matrix only, global-norm clipping, a changing learning rate, six steps. The golden weights
 * come from {@code tools/reference/adamw_reference.py} (torch 2.5.1).
 */
class AdamWParityTest {

    private static float[] init(int n, double phase) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(phase + 0.7 * i);
        }
        return v;
    }

    @Test
    void sixStepsEqualTorchAdamW() throws Exception {
        JsonObject golden;
        try (InputStream in = getClass().getResourceAsStream("/reference/adamw-reference.json")) {
            golden =
                    JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .getAsJsonObject();
        }
        TensorFlowRuntime.load();
        float[] scale = new float[12];
        for (int i = 0; i < 12; i++) {
            scale[i] = i + 1;
        }
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Variable<TFloat32> w = tf.withName("w").variable(Shape.of(3, 4), TFloat32.class);
            Variable<TFloat32> b = tf.withName("b").variable(Shape.of(4), TFloat32.class);
            Operand<TFloat32> tw =
                    tf.reshape(tf.constant(init(12, 2.0)), tf.constant(new int[] {3, 4}));
            Operand<TFloat32> tb = tf.constant(init(4, 3.0));
            Operand<TFloat32> s = tf.reshape(tf.constant(scale), tf.constant(new int[] {3, 4}));
            Operand<TFloat32> half = tf.constant(0.5f);
            Operand<TFloat32> loss =
                    tf.math.add(
                            tf.reduceSum(
                                    tf.math.mul(
                                            half,
                                            tf.math.mul(s, tf.math.square(tf.math.sub(w, tw)))),
                                    tf.constant(new int[] {0, 1})),
                            tf.reduceSum(
                                    tf.math.mul(half, tf.math.square(tf.math.sub(b, tb))),
                                    tf.constant(0)));
            Map<String, Variable<TFloat32>> vars = new LinkedHashMap<>();
            vars.put("w", w);
            vars.put("b", b);
            Gradients gradients = Gradients.of(graph, tf, loss, vars, 1);
            AdamW adam =
                    new AdamW(
                            tf,
                            gradients,
                            gradients.clipped(tf, 1.0),
                            vars,
                            name -> name.equals("w"),
                            new AdamW.Hyperparameters(0.9, 0.999, 1e-8, 0.1));
            try (Session session = new Session(graph)) {
                session.initialize();
                Map<String, WeightTensor> start = new LinkedHashMap<>();
                start.put("w", new WeightTensor(new long[] {3, 4}, init(12, 0.0)));
                start.put("b", new WeightTensor(new long[] {4}, init(4, 1.0)));
                Variables.assign(tf, session, vars, start);
                var lrs = golden.getAsJsonArray("learning_rates");
                for (int step = 1; step <= lrs.size(); step++) {
                    try (TFloat32 lr = TFloat32.scalarOf(lrs.get(step - 1).getAsFloat());
                            TFloat32 c1 = TFloat32.scalarOf(adam.correction1(step));
                            TFloat32 c2 = TFloat32.scalarOf(adam.correction2(step))) {
                        session.runner()
                                .feed(adam.learningRate, lr)
                                .feed(adam.correction1, c1)
                                .feed(adam.correction2, c2)
                                .addTarget(adam.step)
                                .run()
                                .close();
                    }
                }
                Map<String, WeightTensor> trained = Variables.read(session, vars);
                for (String name : vars.keySet()) {
                    var expected = golden.getAsJsonArray(name);
                    float[] actual = trained.get(name).data();
                    for (int i = 0; i < actual.length; i++) {
                        assertEquals(
                                expected.get(i).getAsFloat(),
                                actual[i],
                                2e-6,
                                name + "[" + i + "]");
                    }
                }
            }
        }
    }
}
