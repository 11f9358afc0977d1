package dev.hubtune.models.apps;

import dev.hubtune.models.family.PretrainedModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sequence lengths that fit the model: a length beyond its positions would index past the position
 * table inside TensorFlow, so it is clamped to {@code max_position_embeddings}, and said once.
 */
public final class ModelLengths {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLengths.class);

    private ModelLengths() {}

    /**
     * {@code requested}, or the model's positions when it asks for more.
     *
     * @param explicit whether the user asked for {@code requested} (then clamping is a warning,
     *     otherwise a default was too long for a small model and it is only logged at debug)
     */
    public static int clamp(int requested, PretrainedModel model, boolean explicit) {
        int positions = model.config().maxPositions();
        if (requested <= positions) {
            return requested;
        }
        String message =
                "{} tokens asked for, but {} has {} positions: texts are truncated to {} tokens";
        if (explicit) {
            LOG.warn(message, requested, model.name(), positions, positions);
        } else {
            LOG.debug(message, requested, model.name(), positions, positions);
        }
        return positions;
    }
}
