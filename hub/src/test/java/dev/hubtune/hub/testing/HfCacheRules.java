package dev.hubtune.hub.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * huggingface_hub's cache layout rules, as its {@code scan_cache_dir} enforces them
 * (huggingface_hub/utils/_cache_manager.py): at the root only {@code .locks} and repository folders
 * {@code {models,datasets,spaces}--*}; in a repository {@code blobs/}, {@code snapshots/} (a folder
 * per commit, every file resolving to an existing blob), {@code refs/} (files naming a commit that
 * has a snapshot) and {@code .no_exist/}. Whatever breaks a rule is a warning (a {@code
 * CorruptedCacheException}) for huggingface_hub's users.
 */
public final class HfCacheRules {

    private static final Set<String> REPO_CHILDREN =
            Set.of("blobs", "snapshots", "refs", ".no_exist");

    private HfCacheRules() {}

    /** What huggingface_hub's scanner would reject in {@code cache}; empty when all is well. */
    public static List<String> violations(Path cache) throws IOException {
        List<String> bad = new ArrayList<>();
        if (!Files.isDirectory(cache)) {
            return bad;
        }
        try (Stream<Path> children = Files.list(cache)) {
            for (Path p : children.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.equals(".locks")) {
                    continue;
                }
                if (!name.matches("(models|datasets|spaces)--.+")
                        || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    bad.add("Repo path is not a valid HuggingFace cache directory: " + p);
                    continue;
                }
                repo(p, bad);
            }
        }
        return bad;
    }

    private static void repo(Path repo, List<String> bad) throws IOException {
        try (Stream<Path> children = Files.list(repo)) {
            for (Path p : children.sorted().toList()) {
                if (!REPO_CHILDREN.contains(p.getFileName().toString())) {
                    bad.add("unexpected entry in a repository folder: " + p);
                }
            }
        }
        Path snapshots = repo.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            bad.add("Snapshots dir doesn't exist in cached repo: " + snapshots);
            return;
        }
        Set<String> commits = new HashSet<>();
        try (Stream<Path> revisions = Files.list(snapshots)) {
            for (Path revision : revisions.sorted().toList()) {
                if (!Files.isDirectory(revision)) {
                    bad.add("Snapshots folder corrupted. Found a file: " + revision);
                    continue;
                }
                commits.add(revision.getFileName().toString());
                try (Stream<Path> files = Files.walk(revision)) {
                    for (Path f : files.toList()) {
                        if (Files.isDirectory(f)) {
                            continue;
                        }
                        if (!Files.exists(f)) {
                            bad.add("Blob missing (broken symlink): " + f);
                        }
                    }
                }
            }
        }
        Path refs = repo.resolve("refs");
        if (Files.exists(refs)) {
            if (!Files.isDirectory(refs)) {
                bad.add("Refs directory cannot be a file: " + refs);
                return;
            }
            try (Stream<Path> walk = Files.walk(refs)) {
                for (Path ref : walk.filter(Files::isRegularFile).toList()) {
                    String commit = Files.readString(ref, StandardCharsets.UTF_8);
                    if (!commits.contains(commit)) {
                        bad.add(
                                "Reference refers to a missing commit hash: "
                                        + ref
                                        + " -> "
                                        + commit);
                    }
                }
            }
        }
    }
}
