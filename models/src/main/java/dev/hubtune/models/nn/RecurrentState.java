package dev.hubtune.models.nn;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The states of a recurrent stack, one {@code [B, units]} tensor per layer and direction, in
 * PyTorch's {@code h_n} order: index {@code layer · directions + direction} (direction 1 is the
 * backward one).
 *
 * @param hidden the hidden states h
 * @param cell the cell states c (LSTM), empty for a GRU
 */
public record RecurrentState(List<Operand<TFloat32>> hidden, List<Operand<TFloat32>> cell) {

    /** Copies the lists. */
    public RecurrentState {
        hidden = List.copyOf(hidden);
        cell = List.copyOf(cell);
    }

    /** A GRU's state: hidden states only. */
    public static RecurrentState ofHidden(List<Operand<TFloat32>> hidden) {
        return new RecurrentState(hidden, List.of());
    }
}
