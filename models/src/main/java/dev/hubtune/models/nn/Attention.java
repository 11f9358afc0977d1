package dev.hubtune.models.nn;

import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Multi-head scaled dot-product attention and its masks, for any number of key/value heads (one per
 * query head as in BERT and GPT-2, or fewer, shared by groups of query heads: grouped-query
 * attention as in Llama 3, Qwen2 and Mistral).
 */
public final class Attention {

    /** The additive score for a key a query must not see: softmax gives it exactly zero weight. */
    static final float MASKED = -1e9f;

    private Attention() {}

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
     * {@code softmax(q·kᵀ/√d + maskBias)·v} with the heads merged back: q {@code [B, H, L, d]}, k
     * and v {@code [B, Hkv, K, d]} with H a multiple of Hkv (each key/value head serves H/Hkv
     * consecutive query heads), maskBias broadcastable to {@code [B, H, L, K]}; the result is
     * {@code [B, L, H·d]}.
     *
     * @param probabilityDropout applied to the attention probabilities (identity at inference)
     */
    public static Operand<TFloat32> scaledDotProduct(
            Ops tf,
            Operand<TFloat32> q,
            Operand<TFloat32> k,
            Operand<TFloat32> v,
            Operand<TFloat32> maskBias,
            UnaryOperator<Operand<TFloat32>> probabilityDropout,
            Operand<TInt32> batch,
            Operand<TInt32> length,
            int heads,
            int kvHeads,
            int headSize) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    heads + " query heads cannot share " + kvHeads + " key/value heads");
        }
        // Scaling q before the product touches length·d values instead of length² scores.
        Operand<TFloat32> scaled = tf.math.mul(q, tf.constant((float) (1 / Math.sqrt(headSize))));
        if (kvHeads == heads) {
            Operand<TFloat32> scores =
                    tf.math.add(batchMatMul(tf, scaled, k, false, true), maskBias);
            Operand<TFloat32> probs = probabilityDropout.apply(tf.nn.softmax(scores));
            return mergeHeads(
                    tf, batchMatMul(tf, probs, v, false, false), batch, length, heads, headSize);
        }
        // Grouped-query attention without copying keys and values per query head: the n query
        // heads of a group become one more batch dimension ([B, Hkv, n, L, d]) that BatchMatMulV2
        // broadcasts k and v ([B, Hkv, 1, K, d]) over. Query head i·n + j is group i, member j, as
        // HF's repeat_kv pairs them; the reshapes between [B, H, …] and [B, Hkv, n, …] are free.
        int n = heads / kvHeads;
        Operand<TInt32> keyLength = tf.gather(tf.shape(k), tf.constant(2), tf.constant(0));
        Operand<TFloat32> groupedQueries =
                tf.reshape(
                        scaled,
                        tf.stack(
                                List.of(
                                        batch,
                                        tf.constant(kvHeads),
                                        tf.constant(n),
                                        length,
                                        tf.constant(headSize))));
        Operand<TFloat32> scores =
                tf.math.add(
                        tf.reshape(
                                batchMatMul(
                                        tf,
                                        groupedQueries,
                                        tf.expandDims(k, tf.constant(2)),
                                        false,
                                        true),
                                tf.stack(List.of(batch, tf.constant(heads), length, keyLength))),
                        maskBias);
        Operand<TFloat32> probs = probabilityDropout.apply(tf.nn.softmax(scores));
        Operand<TFloat32> groupedProbs =
                tf.reshape(
                        probs,
                        tf.stack(
                                List.of(
                                        batch,
                                        tf.constant(kvHeads),
                                        tf.constant(n),
                                        length,
                                        keyLength)));
        Operand<TFloat32> context =
                tf.reshape(
                        batchMatMul(
                                tf, groupedProbs, tf.expandDims(v, tf.constant(2)), false, false),
                        tf.stack(
                                List.of(batch, tf.constant(heads), length, tf.constant(headSize))));
        return mergeHeads(tf, context, batch, length, heads, headSize);
    }

    /** {@code [B, H, L, d]} to {@code [B, L, H·d]}. */
    private static Operand<TFloat32> mergeHeads(
            Ops tf,
            Operand<TFloat32> t,
            Operand<TInt32> batch,
            Operand<TInt32> length,
            int heads,
            int headSize) {
        return tf.reshape(
                tf.linalg.transpose(t, tf.constant(new int[] {0, 2, 1, 3})),
                tf.stack(List.of(batch, length, tf.constant(heads * headSize))));
    }

    /**
     * The padding mask as an additive bias {@code [B, 1, 1, L]}: 0 for real keys ({@code mask} 1),
     * a large negative number for padding.
     */
    public static Operand<TFloat32> paddingBias(
            Ops tf, Operand<TFloat32> mask, Operand<TInt32> batch, Operand<TInt32> length) {
        return tf.math.mul(
                tf.math.sub(
                        tf.constant(1f),
                        tf.reshape(
                                mask,
                                tf.stack(List.of(batch, tf.constant(1), tf.constant(1), length)))),
                tf.constant(MASKED));
    }

    /**
     * The causal mask as an additive bias {@code [L, K]}: query i (at absolute position {@code
     * queryPositions[i]}) sees the keys at absolute positions {@code 0 … queryPositions[i]}.
     */
    public static Operand<TFloat32> causalBias(
            Ops tf, Operand<TInt32> queryPositions, Operand<TInt32> keyCount) {
        Operand<TInt32> keyPositions = tf.range(tf.constant(0), keyCount, tf.constant(1));
        return tf.math.mul(
                tf.dtypes.cast(
                        tf.math.greater(
                                tf.expandDims(keyPositions, tf.constant(0)),
                                tf.expandDims(queryPositions, tf.constant(1))),
                        TFloat32.class),
                tf.constant(MASKED));
    }

    /**
     * The causal mask of a sliding-window attention (Mistral, ModernBERT's local layers) as an
     * additive bias {@code [L, K]}: query i sees keys at absolute positions {@code
     * queryPositions[i] - window + 1 … queryPositions[i]}.
     */
    public static Operand<TFloat32> slidingCausalBias(
            Ops tf, Operand<TInt32> queryPositions, Operand<TInt32> keyCount, int window) {
        Operand<TInt32> keys =
                tf.expandDims(tf.range(tf.constant(0), keyCount, tf.constant(1)), tf.constant(0));
        Operand<TInt32> queries = tf.expandDims(queryPositions, tf.constant(1));
        Operand<org.tensorflow.types.TBool> hidden =
                tf.math.logicalOr(
                        tf.math.greater(keys, queries),
                        tf.math.lessEqual(keys, tf.math.sub(queries, tf.constant(window))));
        return tf.math.mul(tf.dtypes.cast(hidden, TFloat32.class), tf.constant(MASKED));
    }

    /**
     * {@code a · b} over the leading (batch) dimensions, broadcast where one side has 1 ({@code
     * BatchMatMulV3}, what TF Java emits; TensorFlow 2.18 registers its gradient, which sums over
     * broadcast dimensions). Before 2.18 the project used the original {@code BatchMatMul}, the
     * only version with a gradient in 2.10; the kernel is the same.
     */
    public static Operand<TFloat32> batchMatMul(
            Ops tf, Operand<TFloat32> a, Operand<TFloat32> b, boolean adjointA, boolean adjointB) {
        return tf.train.batchMatMul(
                a,
                b,
                TFloat32.class,
                org.tensorflow.op.train.BatchMatMul.adjX(adjointA),
                org.tensorflow.op.train.BatchMatMul.adjY(adjointB));
    }
}
