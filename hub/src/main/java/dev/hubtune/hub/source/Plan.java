package dev.hubtune.hub.source;

import dev.hubtune.hub.cache.RepoDir;
import java.util.List;
import java.util.Optional;

/**
 * What a source says must be downloaded for a reference.
 *
 * @param repo the cache folder the model goes to
 * @param revision the revision name to record under {@code refs/}
 * @param commit the immutable snapshot id, when the source knows it before downloading
 * @param files the downloads
 */
public record Plan(
        RepoDir repo, String revision, Optional<String> commit, List<PlannedFile> files) {

    /** Copies the list. */
    public Plan {
        files = List.copyOf(files);
    }

    /** Total bytes, or -1 when some size is unknown. */
    public long totalBytes() {
        long total = 0;
        for (PlannedFile f : files) {
            if (f.request().size() < 0) {
                return -1;
            }
            total += f.request().size();
        }
        return total;
    }
}
