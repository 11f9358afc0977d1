package dev.hubtune.hub;

/**
 * An archive that hubtune will not unpack: not an archive at all (an HTML page served as {@code
 * .zip}), damaged, over the unpack limits (a zip bomb), or holding links. Nothing of it was kept.
 */
public final class ArchiveException extends HubException {
    private static final long serialVersionUID = 1L;

    /** {@code message} names the archive, what is wrong and what to do. */
    public ArchiveException(String message) {
        super(message);
    }

    /** The same, with the cause (a damaged archive's read error). */
    public ArchiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
