package dev.hubtune.hub;

/**
 * Progress of a pull, for progress bars. Called from download threads: implementations must be
 * thread-safe. Every method has an empty default.
 */
public interface PullListener {

    /** A listener that ignores everything. */
    PullListener NONE = new PullListener() {};

    /**
     * The files of a model are known: {@code files} files, {@code totalBytes} bytes (-1 unknown).
     */
    default void planned(int files, long totalBytes) {}

    /** A file starts (or resumes at {@code offset}); {@code size} is -1 when unknown. */
    default void fileStarted(String path, long size, long offset) {}

    /** {@code bytes} more bytes of {@code path} arrived. */
    default void bytesRead(String path, long bytes) {}

    /** A file is verified and in the cache ({@code cached}: it was there already). */
    default void fileDone(String path, boolean cached) {}

    /**
     * Something the user should know that does not stop the pull (one line), e.g. that the hub is
     * unreachable and a cached commit is used, or that a source is plain http. Also logged.
     */
    default void warning(String message) {}
}
