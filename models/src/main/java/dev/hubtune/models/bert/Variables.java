package dev.hubtune.models.bert;

import dev.hubtune.models.weights.WeightTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Moves parameter values between Java and a session's variables. */
public final class Variables {

    private Variables() {}

    /**
     * Copies {@code weights} into {@code vars} with one run of assign ops fed from placeholders
     * (the ops are added to the graph of {@code tf}). Every variable must have a weight.
     */
    public static void assign(
            Ops tf,
            Session session,
            Map<String, Variable<TFloat32>> vars,
            Map<String, WeightTensor> weights) {
        List<TFloat32> tensors = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            for (var e : vars.entrySet()) {
                WeightTensor w = weights.get(e.getKey());
                if (w == null) {
                    throw new IllegalArgumentException("no value for variable " + e.getKey());
                }
                Placeholder<TFloat32> value =
                        tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(w.shape())));
                Op assign = tf.assign(e.getValue(), value);
                TFloat32 t =
                        TFloat32.tensorOf(
                                Shape.of(w.shape()), DataBuffers.of(w.data(), true, false));
                tensors.add(t);
                runner.feed(value, t).addTarget(assign);
            }
            runner.run();
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    /** The current values of {@code vars}. */
    public static Map<String, WeightTensor> read(
            Session session, Map<String, Variable<TFloat32>> vars) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : vars.entrySet()) {
            try (Result r = session.runner().fetch(e.getValue()).run()) {
                TFloat32 t = (TFloat32) r.get(0);
                float[] data = new float[(int) t.shape().size()];
                t.read(DataBuffers.of(data, false, false));
                out.put(e.getKey(), new WeightTensor(t.shape().asArray(), data));
            }
        }
        return out;
    }
}
