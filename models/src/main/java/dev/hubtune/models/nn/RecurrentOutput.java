package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a recurrent stack computed. Only what is fetched runs, so both views cost nothing extra.
 *
 * @param sequences the last layer's output at every step, {@code [B, L, directions·units]}; zero at
 *     padded steps (as PyTorch's {@code pad_packed_sequence})
 * @param last the last layer's final hidden states, forward then backward, {@code [B,
 *     directions·units]}: the forward one at each sequence's own last token, the backward one at
 *     its first
 * @param finalState every layer's and direction's final state (PyTorch's {@code h_n}, {@code c_n})
 * @param returnSequences whether {@link #output()} is {@code sequences} or {@code last}
 */
public record RecurrentOutput(
        Operand<TFloat32> sequences,
        Operand<TFloat32> last,
        RecurrentState finalState,
        boolean returnSequences) {

    /** {@code sequences} or {@code last}, as the spec's {@code returnSequences} says. */
    public Operand<TFloat32> output() {
        return returnSequences ? sequences : last;
    }
}
