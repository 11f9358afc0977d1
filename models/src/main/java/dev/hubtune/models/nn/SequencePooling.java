package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** One vector per sequence from hidden states {@code [B, L, H]}: the first token, or the mean. */
public final class SequencePooling {

    private SequencePooling() {}

    /** The first token's states {@code [B, H]} ({@code [CLS]}, {@code <s>}). */
    public static Operand<TFloat32> first(Ops tf, Operand<TFloat32> hidden) {
        return tf.gather(hidden, tf.constant(0), tf.constant(1));
    }

    /**
     * The mean over real tokens ({@code mask} {@code [B, L]}, 1 for real, 0 for padding), as
     * sentence-transformers' mean pooling.
     */
    public static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> hidden, Operand<TFloat32> mask) {
        Operand<TFloat32> expanded = tf.expandDims(mask, tf.constant(-1));
        Operand<TFloat32> summed = tf.reduceSum(tf.math.mul(hidden, expanded), tf.constant(1));
        Operand<TFloat32> counts =
                tf.math.maximum(tf.reduceSum(expanded, tf.constant(1)), tf.constant(1e-9f));
        return tf.math.div(summed, counts);
    }
}
