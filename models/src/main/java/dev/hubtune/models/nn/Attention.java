package dev.hubtune.models.nn;

import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.Output;
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
        if (kvHeads != heads) {
            k = repeatHeads(tf, k, heads / kvHeads);
            v = repeatHeads(tf, v, heads / kvHeads);
        }
        // Scaling q before the product touches length·d values instead of length² scores.
        Operand<TFloat32> scaled = tf.math.mul(q, tf.constant((float) (1 / Math.sqrt(headSize))));
        Operand<TFloat32> scores = tf.math.add(batchMatMul(tf, scaled, k, false, true), maskBias);
        Operand<TFloat32> probs = probabilityDropout.apply(tf.nn.softmax(scores));
        return tf.reshape(
                tf.linalg.transpose(
                        batchMatMul(tf, probs, v, false, false),
                        tf.constant(new int[] {0, 2, 1, 3})),
                tf.stack(List.of(batch, length, tf.constant(heads * headSize))));
    }

    /**
     * {@code [B, Hkv, K, d]} to {@code [B, Hkv·n, K, d]}, each head repeated n times in place (head
     * i serves query heads i·n … i·n+n-1, as HF's {@code repeat_kv}).
     */
    static Operand<TFloat32> repeatHeads(Ops tf, Operand<TFloat32> t, int n) {
        Operand<TInt32> shape = tf.shape(t);
        Operand<TFloat32> expanded = tf.expandDims(t, tf.constant(2)); // [B, Hkv, 1, K, d]
        Operand<TFloat32> tiled = tf.tile(expanded, tf.constant(new int[] {1, 1, n, 1, 1}));
        Operand<TInt32> b = tf.gather(shape, tf.constant(0), tf.constant(0));
        Operand<TInt32> h = tf.gather(shape, tf.constant(1), tf.constant(0));
        Operand<TInt32> rest =
                tf.slice(shape, tf.constant(new int[] {2}), tf.constant(new int[] {2}));
        return tf.reshape(
                tiled,
                tf.concat(
                        List.of(tf.stack(List.of(b, tf.math.mul(h, tf.constant(n)))), rest),
                        tf.constant(0)));
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
     * {@code a · b} over matching leading dimensions, as TensorFlow's original {@code BatchMatMul}
     * op. Its gradient is registered in every TensorFlow the project has used (2.10 registers none
     * for {@code BatchMatMulV2}/{@code V3}, what the Java API emits); on 2.18 all three have one
     * and run the same kernel.
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
