package dev.hubtune.models.runtime;

import dev.hubtune.models.ModelException;

/** TensorFlow cannot be loaded in this JVM; the message names the artifact or setting to fix. */
public final class TensorFlowUnavailableException extends ModelException {
    private static final long serialVersionUID = 1L;

    /** The natives are missing, unsupported or broken, as {@code message} explains. */
    public TensorFlowUnavailableException(String message) {
        super(message);
    }

    /** Loading failed with {@code cause}; {@code message} says what to do about it. */
    public TensorFlowUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
