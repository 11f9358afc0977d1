package dev.hubtune.models;

/** Base checked exception of the models module; the message says what went wrong and what to do. */
public class ModelException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error with a message that says what was expected, what was found and what to do. */
    public ModelException(String message) {
        super(message);
    }

    /** An error caused by {@code cause}. */
    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
