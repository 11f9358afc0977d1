package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
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
