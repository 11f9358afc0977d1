package dev.hubtune.hub;

/**
 * A credential would travel over plain {@code http://} to a host that is not this machine; nothing
 * was sent. Use https, or opt in with {@code HUBTUNE_ALLOW_HTTP=1}.
 */
public final class InsecureTransportException extends HubException {
    private static final long serialVersionUID = 1L;

    /** {@code message} names the host and the ways out. */
    public InsecureTransportException(String message) {
        super(message);
    }
}
