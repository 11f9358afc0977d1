package dev.hubtune.hub;

/**
 * A model reference, manifest or server answer that hubtune cannot accept (e.g. a path with ..).
 */
public final class InvalidReferenceException extends HubException {
    private static final long serialVersionUID = 1L;

    /** {@code message} says what is wrong and what a valid value looks like. */
    public InvalidReferenceException(String message) {
        super(message);
    }
}
