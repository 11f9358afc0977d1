package dev.hubtune.models.nn;

import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A model parameter: its variable and what the optimizer and initialisation need to know of it.
 *
 * @param name the Hugging Face-style name ({@code encoder.layer.0.attention.self.query.weight}),
 *     also the variable's op name
 * @param variable the graph's variable (VariableV2, so SavedModels include it)
 * @param kind what it is (decides weight decay)
 * @param initializer how a fresh copy is initialised
 * @param trainable whether the optimizer updates it
 */
public record Parameter(
        String name,
        Variable<TFloat32> variable,
        ParameterKind kind,
        Initializer initializer,
        boolean trainable) {

    /** The shape the variable was declared with. */
    public long[] shape() {
        return variable.shape().asArray();
    }

    /** Whether weight decay applies. */
    public boolean decays() {
        return kind.decays();
    }
}
