package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * LayerNorm over the last axis, {@code (x - mean)/sqrt(var + eps)·weight + bias}, with parameters
 * {@code <module>.weight} (scale, fresh: ones) and {@code <module>.bias} (shift, fresh: zeros).
 */
public final class LayerNorm {

    private final Ops tf;
    private final Variable<TFloat32> weight;
    private final Variable<TFloat32> bias;
    private final float eps;

    private LayerNorm(BuildContext context, String module, int size, double eps, boolean bias) {
        this.tf = context.ops();
        ParameterStore p = context.parameters();
        this.weight = p.get(module + ".weight", ParameterKind.NORM, Initializer.ones(), size);
        this.bias =
                bias
                        ? p.get(module + ".bias", ParameterKind.NORM, Initializer.zeros(), size)
                        : null;
        this.eps = (float) eps;
    }

    /** A LayerNorm with scale and shift. */
    public static LayerNorm create(BuildContext context, String module, int size, double eps) {
        return new LayerNorm(context, module, size, eps, true);
    }

    /** A LayerNorm with a scale only (ModernBERT's {@code norm_bias: false}). */
    public static LayerNorm withoutBias(BuildContext context, String module, int size, double eps) {
        return new LayerNorm(context, module, size, eps, false);
    }

    /** Normalises {@code x}. */
    public Operand<TFloat32> apply(Operand<TFloat32> x) {
        Operand<TFloat32> mean = tf.math.mean(x, tf.constant(-1), Mean.keepDims(true));
        Operand<TFloat32> variance =
                tf.math.mean(
                        tf.math.squaredDifference(x, mean), tf.constant(-1), Mean.keepDims(true));
        Operand<TFloat32> normed =
                tf.math.mul(
                        tf.math.sub(x, mean),
                        tf.math.rsqrt(tf.math.add(variance, tf.constant(eps))));
        Operand<TFloat32> scaled = tf.math.mul(normed, weight);
        return bias == null ? scaled : tf.math.add(scaled, bias);
    }
}
