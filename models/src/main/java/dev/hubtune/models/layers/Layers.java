package dev.hubtune.models.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Transformer building blocks as TensorFlow ops. Every op used has a C++ gradient, so the same
 * blocks serve inference and training graphs.
 */
public final class Layers {

    private Layers() {}

    /**
     * {@code x [..., in] · kernel [in, out] + bias} for inputs of any rank, as one 2-D MatMul over
     * all leading positions (faster than a batched matmul and with a gradient).
     */
    public static Operand<TFloat32> dense(
            Ops tf,
            Operand<TFloat32> x,
            Operand<TFloat32> kernel,
            Operand<TFloat32> bias,
            int in,
            int out) {
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, in}));
        Operand<TFloat32> y = tf.nn.biasAdd(tf.linalg.matMul(flat, kernel), bias);
        Operand<TInt32> leading =
                tf.slice(
                        tf.shape(x),
                        tf.constant(new int[] {0}),
                        tf.reshape(
                                tf.math.sub(tf.rank(x), tf.constant(1)),
                                tf.constant(new int[] {1})));
        return tf.reshape(
                y, tf.concat(List.of(leading, tf.constant(new int[] {out})), tf.constant(0)));
    }

    /** LayerNorm over the last axis: {@code (x - mean) / sqrt(var + eps) · gamma + beta}. */
    public static Operand<TFloat32> layerNorm(
            Ops tf,
            Operand<TFloat32> x,
            Operand<TFloat32> gamma,
            Operand<TFloat32> beta,
            double eps) {
        Operand<TFloat32> mean = tf.math.mean(x, tf.constant(-1), Mean.keepDims(true));
        Operand<TFloat32> variance =
                tf.math.mean(
                        tf.math.squaredDifference(x, mean), tf.constant(-1), Mean.keepDims(true));
        Operand<TFloat32> normed =
                tf.math.mul(
                        tf.math.sub(x, mean),
                        tf.math.rsqrt(tf.math.add(variance, tf.constant((float) eps))));
        return tf.math.add(tf.math.mul(normed, gamma), beta);
    }

    /** Exact GELU, {@code 0.5·x·(1 + erf(x/√2))} (HF {@code gelu}). */
    public static Operand<TFloat32> gelu(Ops tf, Operand<TFloat32> x) {
        return tf.math.mul(
                tf.math.mul(tf.constant(0.5f), x),
                tf.math.add(
                        tf.constant(1f),
                        tf.math.erf(tf.math.mul(x, tf.constant((float) (1 / Math.sqrt(2)))))));
    }

    /**
     * The tanh approximation of GELU, {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}: what
     * GPT-2 and Google's BERT were trained with (HF {@code gelu_new}). It differs from the exact
     * GELU in the third decimal, so a checkpoint must run with the one it was trained with.
     */
    public static Operand<TFloat32> geluTanh(Ops tf, Operand<TFloat32> x) {
        Operand<TFloat32> cube = tf.math.mul(tf.math.mul(x, x), x);
        Operand<TFloat32> inner =
                tf.math.mul(
                        tf.constant((float) Math.sqrt(2 / Math.PI)),
                        tf.math.add(x, tf.math.mul(tf.constant(0.044715f), cube)));
        return tf.math.mul(
                tf.math.mul(tf.constant(0.5f), x),
                tf.math.add(tf.constant(1f), tf.math.tanh(inner)));
    }

    /** {@code [B, L, heads·headSize]} to {@code [B, heads, L, headSize]}. */
    public static Operand<TFloat32> splitHeads(
            Ops tf,
            Operand<TFloat32> t,
            Operand<TInt32> batch,
            Operand<TInt32> length,
            int heads,
            int headSize) {
        Operand<TFloat32> r =
                tf.reshape(
                        t,
                        tf.stack(
                                List.of(batch, length, tf.constant(heads), tf.constant(headSize))));
        return tf.linalg.transpose(r, tf.constant(new int[] {0, 2, 1, 3}));
    }

    /**
     * Scaled dot-product attention, {@code softmax(q·kᵀ/√d + maskBias)·v}, with the heads merged
     * back: q {@code [B, heads, L, d]}, k and v {@code [B, heads, K, d]}, maskBias broadcastable to
     * {@code [B, heads, L, K]}, result {@code [B, L, heads·d]}.
     */
    public static Operand<TFloat32> attention(
            Ops tf,
            Operand<TFloat32> q,
            Operand<TFloat32> k,
            Operand<TFloat32> v,
            Operand<TFloat32> maskBias,
            java.util.function.UnaryOperator<Operand<TFloat32>> probabilityDropout,
            Operand<TInt32> batch,
            Operand<TInt32> length,
            int hidden,
            int headSize) {
        // Scaling q before the product touches length·d values instead of length² scores.
        Operand<TFloat32> scaled = tf.math.mul(q, tf.constant((float) (1 / Math.sqrt(headSize))));
        Operand<TFloat32> scores = tf.math.add(batchMatMul(tf, scaled, k, false, true), maskBias);
        Operand<TFloat32> probs = probabilityDropout.apply(tf.nn.softmax(scores));
        return tf.reshape(
                tf.linalg.transpose(
                        batchMatMul(tf, probs, v, false, false),
                        tf.constant(new int[] {0, 2, 1, 3})),
                tf.stack(List.of(batch, length, tf.constant(hidden))));
    }

    /**
     * {@code a · b} over matching leading dimensions, as TensorFlow's original {@code BatchMatMul}
     * op: the one whose gradient TF 2.10's C API registers ({@code BatchMatMulV2}, what the Java
     * API emits, has none), and 2-3x faster than the equivalent einsum on attention shapes.
     */
    @SuppressWarnings("unchecked")
    public static Operand<TFloat32> batchMatMul(
            Ops tf, Operand<TFloat32> a, Operand<TFloat32> b, boolean adjointA, boolean adjointB) {
        Output<?> product =
                tf.scope()
                        .opBuilder("BatchMatMul", "BatchMatMul")
                        .addInput(a.asOutput())
                        .addInput(b.asOutput())
                        .setAttr("adj_x", adjointA)
                        .setAttr("adj_y", adjointB)
                        .build()
                        .output(0);
        return (Operand<TFloat32>) product;
    }
}
