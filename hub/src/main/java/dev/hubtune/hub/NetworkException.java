package dev.hubtune.hub;

/**
 * The network or the server failed the request: the {@link Kind} says how, whether trying again can
 * help, and whether a cached copy is a sensible answer instead.
 */
public final class NetworkException extends HubException {
    private static final long serialVersionUID = 1L;

    /** How the request failed. */
    public enum Kind {
        /** Nothing listens at the address (or the proxy's). Permanent: retrying cannot help. */
        CONNECTION_REFUSED(false, true),
        /** The host name does not resolve. */
        UNKNOWN_HOST(false, true),
        /** No route to the host. */
        UNREACHABLE(false, true),
        /** TLS failed: an untrusted certificate, or not TLS at all. A setup problem to fix. */
        TLS(false, false),
        /** The proxy refused the request. */
        PROXY(false, false),
        /** A redirect loop, or a redirect hubtune refuses to follow (e.g. to {@code file:}). */
        REDIRECT(false, false),
        /** No connection, or no data, within the timeout. */
        TIMEOUT(true, true),
        /** Data arrives, but slower than the minimum throughput. */
        STALLED(true, true),
        /** The connection broke (reset, cut short). */
        CONNECTION_LOST(true, true),
        /** The server answered 429 or 5xx, also after retries. */
        SERVER_ERROR(true, true);

        private final boolean retryable;
        private final boolean sourceUnavailable;

        Kind(boolean retryable, boolean sourceUnavailable) {
            this.retryable = retryable;
            this.sourceUnavailable = sourceUnavailable;
        }
    }

    private final Kind kind;

    /**
     * A failure of {@code kind}; {@code message} is one line saying what happened and what to do.
     */
    public NetworkException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** How the request failed. */
    public Kind kind() {
        return kind;
    }

    /** True when the same request may succeed if sent again. */
    public boolean retryable() {
        return kind.retryable;
    }

    /**
     * True when the source could not be reached or could not serve (as huggingface_hub's connection
     * errors, timeouts and server errors), so a complete cached snapshot may be used instead. False
     * for TLS, proxy and redirect failures: those are setups to fix, not outages.
     */
    public boolean sourceUnavailable() {
        return kind.sourceUnavailable;
    }
}
