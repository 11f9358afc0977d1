package dev.hubtune.models.nn;

/**
 * The two recurrent cells, with their gates in the order hubtune (and Keras) stores them and the
 * order PyTorch stores them.
 *
 * <ul>
 *   <li>LSTM: Keras and hubtune i, f, c, o; PyTorch i, f, g, o: the same blocks (PyTorch calls the
 *       candidate cell g), so the permutation is the identity.
 *   <li>GRU: Keras and hubtune z, r, h (update, reset, candidate); PyTorch r, z, n: the first two
 *       blocks swap.
 * </ul>
 */
public enum RecurrentCell {
    /** Long short-term memory: a hidden state and a cell state, 4 gates. */
    LSTM(4, new int[] {0, 1, 2, 3}),
    /** Gated recurrent unit with the reset gate applied after the recurrent matmul, 3 gates. */
    GRU(3, new int[] {1, 0, 2});

    private final int gates;
    private final int[] fromPyTorch;

    RecurrentCell(int gates, int[] fromPyTorch) {
        this.gates = gates;
        this.fromPyTorch = fromPyTorch;
    }

    /** Gate blocks in a kernel: the kernel's width is {@code gates · units}. */
    public int gates() {
        return gates;
    }

    /** Whether the cell carries a cell state beside its hidden state (LSTM). */
    public boolean hasCellState() {
        return this == LSTM;
    }

    /**
     * Block {@code k} of hubtune's (Keras's) layout is block {@code pyTorchBlock(k)} of PyTorch's.
     */
    int pyTorchBlock(int k) {
        return fromPyTorch[k];
    }

    /** The PyTorch module's lower-case name ({@code lstm}, {@code gru}), for messages. */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
