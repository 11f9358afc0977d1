package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A hook on every {@link Linear}: given the layer's input and its output, returns what the layer
 * outputs. The identity today; low-rank adapters (LoRA) add {@code scale·(x·A)·B} to chosen layers
 * by their module name, without the families knowing.
 */
@FunctionalInterface
public interface LinearAdapter {

    /** Leaves every layer as it is. */
    LinearAdapter IDENTITY = (context, module, x, y, in, out) -> y;

    /**
     * The output of linear layer {@code module}.
     *
     * @param context the graph being built (for parameters and dropout)
     * @param module the layer's HF module name, e.g. {@code encoder.layer.0.attention.self.query}
     * @param x the input {@code [..., in]}
     * @param y the layer's own output {@code x·W + b}, {@code [..., out]}
     */
    Operand<TFloat32> adapt(
            BuildContext context,
            String module,
            Operand<TFloat32> x,
            Operand<TFloat32> y,
            int in,
            int out);
}
