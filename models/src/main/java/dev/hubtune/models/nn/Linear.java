package dev.hubtune.models.nn;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A linear layer {@code x·W + b}: kernel {@code <module>.weight [in, out]} (TensorFlow's layout;
 * importers transpose PyTorch's {@code nn.Linear} {@code [out, in]}), optional bias {@code
 * <module>.bias [out]}, and the context's {@link LinearAdapter} on its output.
 */
public final class Linear {

    private final BuildContext context;
    private final String module;
    private final int in;
    private final int out;
    private final Variable<TFloat32> kernel;
    private final Variable<TFloat32> bias;

    private Linear(BuildContext context, String module, int in, int out, boolean bias, float std) {
        this.context = context;
        this.module = module;
        this.in = in;
        this.out = out;
        ParameterStore p = context.parameters();
        this.kernel =
                p.get(module + ".weight", ParameterKind.WEIGHT, Initializer.normal(std), in, out);
        this.bias =
                bias ? p.get(module + ".bias", ParameterKind.BIAS, Initializer.zeros(), out) : null;
    }

    /** A layer with a bias, initialised normal(0, 0.02) when fresh. */
    public static Linear create(BuildContext context, String module, int in, int out) {
        return new Linear(context, module, in, out, true, 0.02f);
    }

    /**
     * A layer with or without a bias whose fresh kernel is normal(0, {@code std}) (GPT-2 scales its
     * residual projections down).
     */
    public static Linear create(
            BuildContext context, String module, int in, int out, boolean bias, float std) {
        return new Linear(context, module, in, out, bias, std);
    }

    /**
     * {@code x [..., in]} to {@code [..., out]}, as one 2-D MatMul over all leading positions
     * (faster than a batched matmul, and with a gradient).
     */
    public Operand<TFloat32> apply(Operand<TFloat32> x) {
        Ops tf = context.ops();
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, in}));
        Operand<TFloat32> y = tf.linalg.matMul(flat, kernel);
        if (bias != null) {
            y = tf.nn.biasAdd(y, bias);
        }
        Operand<TInt32> leading =
                tf.slice(
                        tf.shape(x),
                        tf.constant(new int[] {0}),
                        tf.reshape(
                                tf.math.sub(tf.rank(x), tf.constant(1)),
                                tf.constant(new int[] {1})));
        Operand<TFloat32> shaped =
                tf.reshape(
                        y,
                        tf.concat(List.of(leading, tf.constant(new int[] {out})), tf.constant(0)));
        return context.adapter().adapt(context, module, x, shaped, in, out);
    }

    /** The module name. */
    public String module() {
        return module;
    }
}
