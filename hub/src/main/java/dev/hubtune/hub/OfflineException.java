package dev.hubtune.hub;

import java.util.List;

/** Offline mode is on and the model (or some of its files) is not in the cache. */
public final class OfflineException extends HubException {
    private static final long serialVersionUID = 1L;

    private final List<String> missing;

    /** {@code missing} lists the files (or the reference) that would have to be downloaded. */
    public OfflineException(String message, List<String> missing) {
        super(message);
        this.missing = List.copyOf(missing);
    }

    /** The files that are missing from the cache. */
    public List<String> missing() {
        return missing;
    }
}
