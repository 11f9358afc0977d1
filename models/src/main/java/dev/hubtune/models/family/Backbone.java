package dev.hubtune.models.family;

import dev.hubtune.models.nn.BuildContext;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A family's network in a graph, as heads and apps see it: its inputs, its last hidden states and
 * the poolings and head inputs transformers' task models of the family use. Its parameters are in
 * {@link #context()}'s store, under their HF names.
 */
public interface Backbone {

    /** The configuration it was built from. */
    FamilyConfig config();

    /** The graph, parameters and dropout it was built with (heads add theirs to the same). */
    BuildContext context();

    /** The input placeholders. */
    BackboneInputs inputs();

    /** Last hidden states {@code [batch, length, hidden]}. */
    Operand<TFloat32> sequenceOutput();

    /** Whether {@link #pooled} supports {@code pooling}. */
    boolean supports(Pooling pooling);

    /**
     * One vector per sequence, {@code [batch, hidden]}, built on first use.
     *
     * @throws IllegalArgumentException when the family has no such pooling ({@link #supports})
     */
    Operand<TFloat32> pooled(Pooling pooling);

    /** What a sequence-classification head projects, as the family's HF task model does. */
    ClassifierInput sequenceClassifierInput(Pooling pooling);

    /** What a token-classification head projects (every token's features). */
    ClassifierInput tokenClassifierInput();

    /** Where the family's masked-LM head lives, if the family has one. */
    Optional<MaskedLmLayout> maskedLm();
}
