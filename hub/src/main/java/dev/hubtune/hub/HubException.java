package dev.hubtune.hub;

/**
 * Base checked exception of the hub: the message says what was expected, what was found and what to
 * do.
 */
public class HubException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error with an actionable message. */
    public HubException(String message) {
        super(message);
    }

    /** An error caused by {@code cause}. */
    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
