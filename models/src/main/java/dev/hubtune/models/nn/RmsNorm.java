package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * RMSNorm over the last axis (Llama, Qwen2, Mistral, Gemma): {@code x/sqrt(mean(x²) + eps)·w}, with
 * {@code w = weight} or, for Gemma, {@code w = 1 + weight} (Gemma stores the offset from one, and
 * fresh weights are zeros there).
 */
public final class RmsNorm {

    private final Ops tf;
    private final Variable<TFloat32> weight;
    private final float eps;
    private final boolean plusOne;

    private RmsNorm(BuildContext context, String module, int size, double eps, boolean plusOne) {
        this.tf = context.ops();
        this.weight =
                context.parameters()
                        .get(
                                module + ".weight",
                                ParameterKind.NORM,
                                plusOne ? Initializer.zeros() : Initializer.ones(),
                                size);
        this.eps = (float) eps;
        this.plusOne = plusOne;
    }

    /** Llama's RMSNorm, scale {@code weight}. */
    public static RmsNorm create(BuildContext context, String module, int size, double eps) {
        return new RmsNorm(context, module, size, eps, false);
    }

    /** Gemma's RMSNorm, scale {@code 1 + weight}. */
    public static RmsNorm plusOne(BuildContext context, String module, int size, double eps) {
        return new RmsNorm(context, module, size, eps, true);
    }

    /** Normalises {@code x}. */
    public Operand<TFloat32> apply(Operand<TFloat32> x) {
        Operand<TFloat32> meanSquare =
                tf.math.mean(tf.math.square(x), tf.constant(-1), Mean.keepDims(true));
        Operand<TFloat32> normed =
                tf.math.mul(x, tf.math.rsqrt(tf.math.add(meanSquare, tf.constant(eps))));
        Operand<TFloat32> scale = plusOne ? tf.math.add(weight, tf.constant(1f)) : weight;
        return tf.math.mul(normed, scale);
    }
}
