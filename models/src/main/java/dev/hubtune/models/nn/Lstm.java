package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A stack of LSTM layers (Hochreiter and Schmidhuber 1997, with a forget gate): in inference graphs
 * on TensorFlow's fused {@code BlockLSTMV2} kernel, which runs only the batch's longest sequence's
 * steps, in training graphs unrolled step by step ({@link RecurrentSpec.Kernel} chooses otherwise;
 * fused training goes through a hand-wired gradient; see {@code RecurrentStack}). Parameters:
 * {@code <module>.l<k>[_reverse].kernel [in, 4u]}, {@code .recurrent_kernel [u, 4u]} and {@code
 * .bias [4u]}, gate blocks i, f, c, o (the input, forget, candidate-cell and output gates) —
 * Keras's {@code LSTM} layout; {@link RecurrentWeights} converts from and to PyTorch's {@code
 * nn.LSTM}.
 *
 * <p>Padding: steps where the mask is 0 leave the state unchanged and output zeros, so a batch of
 * right-padded sequences gives each sequence exactly what it gives alone, and the backward
 * direction starts at each sequence's own last token. The initial states are {@code h} and {@code
 * c} per layer and direction.
 */
public final class Lstm {

    private final RecurrentStack stack;

    private Lstm(BuildContext context, String module, RecurrentSpec spec) {
        this.stack = new RecurrentStack(context, module, RecurrentCell.LSTM, spec);
    }

    /** Adds (or reuses) the parameters of {@code spec} under {@code module}. */
    public static Lstm create(BuildContext context, String module, RecurrentSpec spec) {
        return new Lstm(context, module, spec);
    }

    /**
     * Runs the stack over {@code x [B, L, in]} (L static) with zero initial states.
     *
     * @param mask {@code [B, L]}, 1 at real steps and 0 at padding, or null when nothing is padded
     */
    public RecurrentOutput apply(Operand<TFloat32> x, Operand<TFloat32> mask) {
        return stack.apply(x, mask, null);
    }

    /** Runs the stack from {@code initial} states ({@code [B, units]} each, PyTorch's order). */
    public RecurrentOutput apply(
            Operand<TFloat32> x, Operand<TFloat32> mask, RecurrentState initial) {
        if (initial == null) {
            throw new IllegalArgumentException(
                    "initial states are null; use apply(x, mask) for zero states");
        }
        return stack.apply(x, mask, initial);
    }

    /** The spec it was built with. */
    public RecurrentSpec spec() {
        return stack.spec();
    }

    /** The module name its parameters are under. */
    public String module() {
        return stack.module();
    }
}
