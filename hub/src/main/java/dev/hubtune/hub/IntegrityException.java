package dev.hubtune.hub;

/** Downloaded or cached bytes do not match the expected size or hash; nothing bad was kept. */
public final class IntegrityException extends HubException {
    private static final long serialVersionUID = 1L;

    /** A mismatch; {@code message} names expected and actual values and what was removed. */
    public IntegrityException(String message) {
        super(message);
    }
}
