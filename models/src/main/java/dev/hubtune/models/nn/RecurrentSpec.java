package dev.hubtune.models.nn;

/**
 * The shape of a recurrent stack ({@link Lstm}, {@link Gru}): input width, units per direction,
 * layers, directions, and whether the stack returns every step's output or the last state.
 * Immutable; built with {@link #builder()}.
 */
public final class RecurrentSpec {

    private final int inputSize;
    private final int units;
    private final int layers;
    private final boolean bidirectional;
    private final boolean returnSequences;
    private final boolean dropoutBetweenLayers;
    private final Kernel kernel;

    /**
     * How an LSTM runs its recurrence. Measured on CPU ({@code bench/run rnn}, 2 cores, 1 thread):
     * the fused kernel is 3.9× faster than the unrolled graph at batch 1 × 128 steps (serving), but
     * 2× slower at batch 32 × 128 and 0.92× in training at batch 32 × 64, where the unrolled graph
     * does every step's input projection as one large matmul; hence {@link #AUTO}.
     */
    public enum Kernel {
        /** Fused in graphs that are never differentiated (inference, serving), else unrolled. */
        AUTO,
        /** TensorFlow's fused {@code BlockLSTMV2}, with its hand-wired gradient when training. */
        FUSED,
        /** One cell per time step with plain ops (MatMul, Sigmoid, Tanh, …). */
        UNROLLED
    }

    RecurrentSpec(Builder b) {
        this.inputSize = b.inputSize;
        this.units = b.units;
        this.layers = b.layers;
        this.bidirectional = b.bidirectional;
        this.returnSequences = b.returnSequences;
        this.dropoutBetweenLayers = b.dropoutBetweenLayers;
        this.kernel = b.kernel;
    }

    /** A builder; {@code setInputSize} and {@code setUnits} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Width of the first layer's input. */
    public int inputSize() {
        return inputSize;
    }

    /** Units (hidden size) of each direction of each layer. */
    public int units() {
        return units;
    }

    /** Stacked layers. */
    public int layers() {
        return layers;
    }

    /** Whether every layer also runs backward over each sequence. */
    public boolean bidirectional() {
        return bidirectional;
    }

    /** Directions per layer, 1 or 2. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** Width of a layer's output: {@code directions · units}. */
    public int outputSize() {
        return directions() * units;
    }

    /** Whether {@link RecurrentOutput#output()} is every step's output (else the last state). */
    public boolean returnSequences() {
        return returnSequences;
    }

    /**
     * Whether the inputs of layers 2… are a dropout site of the training graph (as PyTorch's {@code
     * nn.LSTM(dropout=p)}; the rate is the one fed to every site).
     */
    public boolean dropoutBetweenLayers() {
        return dropoutBetweenLayers;
    }

    /**
     * How an LSTM runs its recurrence ({@link Kernel}); a GRU is always unrolled (no fused kernel
     * has its semantics). Both ways agree within float rounding.
     */
    public Kernel kernel() {
        return kernel;
    }

    @Override
    public String toString() {
        return (bidirectional ? "bidirectional " : "")
                + layers
                + "-layer, "
                + inputSize
                + " → "
                + units
                + " units";
    }

    /** Builder of a {@link RecurrentSpec}. */
    public static final class Builder {
        private int inputSize;
        private int units;
        private int layers = 1;
        private boolean bidirectional;
        private boolean returnSequences = true;
        private boolean dropoutBetweenLayers = true;
        private Kernel kernel = Kernel.AUTO;

        Builder() {}

        /** Width of the input features (required, ≥ 1). */
        public Builder setInputSize(int inputSize) {
            if (inputSize < 1) {
                throw new IllegalArgumentException(
                        "a recurrent layer's input size must be at least 1, got " + inputSize);
            }
            this.inputSize = inputSize;
            return this;
        }

        /** Units (hidden size) per direction (required, ≥ 1). */
        public Builder setUnits(int units) {
            if (units < 1) {
                throw new IllegalArgumentException(
                        "a recurrent layer needs at least 1 unit, got " + units);
            }
            this.units = units;
            return this;
        }

        /** Stacked layers (default 1). */
        public Builder optLayers(int layers) {
            if (layers < 1) {
                throw new IllegalArgumentException(
                        "a recurrent stack needs at least 1 layer, got " + layers);
            }
            this.layers = layers;
            return this;
        }

        /** Run every layer in both directions and concatenate (default false). */
        public Builder optBidirectional(boolean bidirectional) {
            this.bidirectional = bidirectional;
            return this;
        }

        /** Return every step's output (default true) or only the last state. */
        public Builder optReturnSequences(boolean returnSequences) {
            this.returnSequences = returnSequences;
            return this;
        }

        /** Dropout on the inputs of layers 2… in training graphs (default true). */
        public Builder optDropoutBetweenLayers(boolean dropoutBetweenLayers) {
            this.dropoutBetweenLayers = dropoutBetweenLayers;
            return this;
        }

        /** How an LSTM runs (default {@link Kernel#AUTO}; see {@link Kernel}). */
        public Builder optKernel(Kernel kernel) {
            this.kernel = java.util.Objects.requireNonNull(kernel, "kernel");
            return this;
        }

        /** The spec. */
        public RecurrentSpec build() {
            if (inputSize == 0 || units == 0) {
                throw new IllegalStateException(
                        "a recurrent spec needs setInputSize(..) and setUnits(..)");
            }
            return new RecurrentSpec(this);
        }
    }
}
