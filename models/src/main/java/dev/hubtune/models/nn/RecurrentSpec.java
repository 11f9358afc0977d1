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
    private final boolean unrolled;

    RecurrentSpec(Builder b) {
        this.inputSize = b.inputSize;
        this.units = b.units;
        this.layers = b.layers;
        this.bidirectional = b.bidirectional;
        this.returnSequences = b.returnSequences;
        this.dropoutBetweenLayers = b.dropoutBetweenLayers;
        this.unrolled = b.unrolled;
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
     * Whether an LSTM steps its recurrence with plain ops, one cell per time step, instead of
     * TensorFlow's fused {@code BlockLSTMV2} kernel (a GRU always does: no fused kernel has its
     * semantics). Both agree within float rounding; the option exists to measure one against the
     * other.
     */
    public boolean unrolled() {
        return unrolled;
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
        private boolean unrolled;

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

        /**
         * Unroll an LSTM step by step instead of running the fused kernel (default false; see
         * {@link RecurrentSpec#unrolled()}).
         */
        public Builder optUnrolled(boolean unrolled) {
            this.unrolled = unrolled;
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
