package dev.hubtune.hub;

import java.nio.file.Path;
import java.util.List;

/**
 * A model directory on disk, ready to load.
 *
 * @param path the directory (a snapshot in the cache, or the user's own directory)
 * @param ref the reference it was resolved from
 * @param commit the immutable revision the snapshot holds (a git commit, a Maven jar's sha1, a
 *     file's sha256), or {@code local} for a user directory
 * @param files the files with their sizes and sha256 (empty for a user directory)
 */
public record ModelDir(Path path, ModelRef ref, String commit, List<CachedFile> files) {

    /** Copies the file list. */
    public ModelDir {
        files = List.copyOf(files);
    }

    /**
     * One file of a snapshot.
     *
     * @param path path inside the model directory
     * @param blob blob name in the cache
     * @param size size in bytes
     * @param sha256 SHA-256 of the content
     */
    public record CachedFile(String path, String blob, long size, String sha256) {}

    /** Total size of the files in bytes. */
    public long totalBytes() {
        return files.stream().mapToLong(CachedFile::size).sum();
    }
}
