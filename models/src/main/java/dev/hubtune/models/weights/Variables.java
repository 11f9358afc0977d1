package dev.hubtune.models.weights;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.runtime.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

    private static final Logger LOG = LoggerFactory.getLogger(Variables.class);

    private Variables() {}

    /** Bytes of weights fed per session run while assigning (bounds the extra native memory). */
    private static final long ASSIGN_CHUNK_BYTES = 64L << 20;

    /**
     * Copies {@code weights} into {@code vars} with runs of assign ops fed from placeholders (the
     * ops are added to the graph of {@code tf}). Every variable must have a weight. The values go
     * over in chunks of about 64 MB, so a model's weights are never held twice in native memory.
     */
    public static void assign(
            Ops tf,
            Session session,
            Map<String, Variable<TFloat32>> vars,
            Map<String, WeightTensor> weights) {
        List<TFloat32> tensors = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            long bytes = 0;
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
                bytes += 4L * w.data().length;
                if (bytes >= ASSIGN_CHUNK_BYTES) {
                    runner.run();
                    tensors.forEach(TFloat32::close);
                    tensors.clear();
                    runner = session.runner();
                    bytes = 0;
                }
            }
            if (!tensors.isEmpty()) {
                runner.run();
            }
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    /**
     * Checks that {@code weights} has a value of the right shape for every variable, and logs the
     * weights no variable uses (as HF reports unused weights).
     *
     * @param what the model, for messages (e.g. "the BERT config BertConfig[…]")
     * @throws ModelException naming every missing and misshapen parameter
     */
    public static void requireFit(
            Map<String, Variable<TFloat32>> vars, Map<String, WeightTensor> weights, String what)
            throws ModelException {
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        for (var e : vars.entrySet()) {
            WeightTensor w = weights.get(e.getKey());
            long[] expected = e.getValue().shape().asArray();
            if (w == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(expected, w.shape())) {
                wrongShape.add(
                        e.getKey()
                                + " "
                                + w.describe()
                                + " (expected "
                                + Arrays.toString(expected)
                                + ")");
            }
        }
        if (!missing.isEmpty() || !wrongShape.isEmpty()) {
            throw new ModelException(
                    "the weights do not fit "
                            + what
                            + (missing.isEmpty() ? "" : "; missing: " + missing)
                            + (wrongShape.isEmpty() ? "" : "; wrong shape: " + wrongShape)
                            + ". Check that config.json belongs to these weights.");
        }
        TreeSet<String> unused = new TreeSet<>(weights.keySet());
        unused.removeAll(vars.keySet());
        if (!unused.isEmpty()) {
            LOG.info("Weights not used by the model: {}", unused);
        }
    }

    /** The current values of {@code vars}. */
    public static Map<String, WeightTensor> read(
            Session session, Map<String, Variable<TFloat32>> vars) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        if (vars.isEmpty()) {
            return out;
        }
        // One run fetches them all (not one session run per variable).
        Session.Runner runner = session.runner();
        vars.values().forEach(runner::fetch);
        try (Result r = runner.run()) {
            int i = 0;
            for (String name : vars.keySet()) {
                TFloat32 t = (TFloat32) r.get(i++);
                out.put(name, new WeightTensor(t.shape().asArray(), Tensors.floats(t)));
            }
        }
        return out;
    }
}
