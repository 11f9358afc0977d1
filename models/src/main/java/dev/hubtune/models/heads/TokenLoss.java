package dev.hubtune.models.heads;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Softmax cross-entropy per token where negative labels (HF's -100, padding) are ignored, plus what
 * evaluation aggregates across batches: the summed loss, the number of labelled tokens and how many
 * of them the argmax predicts.
 *
 * @param sum summed cross-entropy over labelled tokens
 * @param count labelled tokens (float)
 * @param correct labelled tokens whose argmax equals the label (float)
 * @param mean {@code sum / max(count, 1)}, the training loss
 */
public record TokenLoss(
        Operand<TFloat32> sum,
        Operand<TFloat32> count,
        Operand<TFloat32> correct,
        Operand<TFloat32> mean) {

    /**
     * Builds the loss of {@code logits [..., classes]} against {@code labels [...]}.
     *
     * @param name name of the mean-loss op
     */
    public static TokenLoss of(
            Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels, int classes, String name) {
        Operand<TFloat32> flatLogits = tf.reshape(logits, tf.constant(new int[] {-1, classes}));
        Operand<TInt32> flatLabels = tf.reshape(labels, tf.constant(new int[] {-1}));
        // The sparse cross-entropy op has no gradient in TF 2.10 or 2.18, so one-hot labels; oneHot
        // of a
        // negative id is all zeros, so an ignored token contributes exactly 0 to the sum.
        Operand<TFloat32> oneHot =
                tf.oneHot(flatLabels, tf.constant(classes), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> perToken = tf.nn.softmaxCrossEntropyWithLogits(flatLogits, oneHot).loss();
        Operand<TFloat32> mask =
                tf.dtypes.cast(tf.math.greaterEqual(flatLabels, tf.constant(0)), TFloat32.class);
        Operand<TFloat32> sum = tf.reduceSum(tf.math.mul(perToken, mask), tf.constant(0));
        Operand<TFloat32> count = tf.reduceSum(mask, tf.constant(0));
        Operand<TFloat32> hits =
                tf.dtypes.cast(
                        tf.math.equal(
                                tf.math.argMax(flatLogits, tf.constant(1), TInt32.class),
                                flatLabels),
                        TFloat32.class);
        Operand<TFloat32> correct = tf.reduceSum(tf.math.mul(hits, mask), tf.constant(0));
        Operand<TFloat32> mean =
                tf.withName(name).math.div(sum, tf.math.maximum(count, tf.constant(1f)));
        return new TokenLoss(sum, count, correct, mean);
    }
}
