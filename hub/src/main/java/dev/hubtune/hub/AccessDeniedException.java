package dev.hubtune.hub;

/** The source refused access: a gated or private repository, or a bad token. */
public final class AccessDeniedException extends HubException {
    private static final long serialVersionUID = 1L;

    /** Access was refused; {@code message} says how to get it. */
    public AccessDeniedException(String message) {
        super(message);
    }
}
