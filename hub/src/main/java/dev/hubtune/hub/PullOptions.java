package dev.hubtune.hub;

import java.util.List;

/**
 * Options of one pull.
 *
 * @param include fnmatch patterns of files to take (empty: all loadable files)
 * @param exclude fnmatch patterns of files to skip
 */
public record PullOptions(List<String> include, List<String> exclude) {

    /** Copies the lists. */
    public PullOptions {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
    }

    /** All loadable files. */
    public static PullOptions defaults() {
        return new PullOptions(List.of(), List.of());
    }
}
