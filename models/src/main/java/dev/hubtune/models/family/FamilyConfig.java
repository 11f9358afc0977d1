package dev.hubtune.models.family;

import java.util.Map;

/** A family's architecture hyper-parameters, as its HF {@code config.json} states them. */
public interface FamilyConfig {

    /** HF's {@code model_type}, e.g. {@code bert}. */
    String modelType();

    /** Rows of the token embedding. */
    int vocabSize();

    /** Width of the hidden states. */
    int hiddenSize();

    /** Transformer layers. */
    int numLayers();

    /** The longest sequence the model takes (its position table, or its trained context). */
    int maxPositions();

    /** The architecture part of {@code config.json} (no task entries such as labels). */
    Map<String, Object> toHfConfig();
}
