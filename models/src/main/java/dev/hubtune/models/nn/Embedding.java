package dev.hubtune.models.nn;

import java.util.OptionalInt;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TNumber;

/**
 * A lookup table {@code <name> [rows, dim]} (fresh: normal(0, 0.02)). Rows are gathered from the
 * variable's value (GatherV2 has a gradient, ResourceGather has none); {@link #attend} multiplies
 * by the transposed table, which is how tied language-model heads reuse the token embedding.
 */
public final class Embedding {

    private final Ops tf;
    private final Variable<TFloat32> table;
    private final int rows;
    private final int dim;

    private Embedding(BuildContext context, String name, int rows, int dim) {
        this.tf = context.ops();
        this.table =
                context.parameters()
                        .get(name, ParameterKind.EMBEDDING, Initializer.normal(0.02f), rows, dim);
        this.rows = rows;
        this.dim = dim;
    }

    /** The table {@code name} (the full parameter name, e.g. {@code wte.weight}). */
    public static Embedding create(BuildContext context, String name, int rows, int dim) {
        return new Embedding(context, name, rows, dim);
    }

    /** Rows {@code ids} of the table, {@code [..., dim]}. */
    public Operand<TFloat32> lookup(Operand<? extends TNumber> ids) {
        return tf.gather(table, ids, tf.constant(0));
    }

    /**
     * Rows {@code ids} of the table, as torch's {@code nn.Embedding(padding_idx=…)} gives them: the
     * same values, but no gradient reaches the table through positions holding {@code paddingIndex}
     * (transformers builds decoders' and encoders' token embeddings so, with the config's {@code
     * pad_token_id}; where that id is also a real token — Gemma's 0, SmolLM2's end of turn —
     * fine-tuning must leave its row to the other uses of the table to match).
     */
    public Operand<TFloat32> lookup(Operand<TInt32> ids, OptionalInt paddingIndex) {
        Operand<TFloat32> rows = lookup(ids);
        if (paddingIndex.isEmpty()) {
            return rows;
        }
        // rows·keep + stopGradient(rows)·(1 − keep): exactly rows forward, gradient only where
        // kept.
        Operand<TFloat32> keep =
                tf.expandDims(
                        tf.dtypes.cast(
                                tf.math.notEqual(ids, tf.constant(paddingIndex.getAsInt())),
                                TFloat32.class),
                        tf.constant(-1));
        return tf.math.add(
                tf.math.mul(rows, keep),
                tf.math.mul(tf.stopGradient(rows), tf.math.sub(tf.constant(1f), keep)));
    }

    /** {@code x [n, dim]} times the transposed table: scores over the rows, {@code [n, rows]}. */
    public Operand<TFloat32> attend(Operand<TFloat32> x) {
        return tf.linalg.matMul(x, table, MatMul.transposeB(true));
    }

    /** The table's variable. */
    public Variable<TFloat32> table() {
        return table;
    }

    /** Rows of the table. */
    public int rows() {
        return rows;
    }

    /** Width of a row. */
    public int dim() {
        return dim;
    }
}
