package dev.hubtune.hub.cache;

import dev.hubtune.hub.InvalidReferenceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Lists, verifies, cleans and removes what the cache holds; the engine of ls/verify/gc/rm. */
public final class CacheMaintenance {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");

    /**
     * A cached repository.
     *
     * @param folder {@code models--org--name}
     * @param refs revision names with the commit each points to ({@code rev=commit})
     * @param snapshots commit ids present
     * @param bytes size of its blobs
     */
    public record RepoSummary(
            String folder, List<String> refs, List<String> snapshots, long bytes) {}

    /**
     * A blob whose bytes do not match its name.
     *
     * @param blob the blob file
     * @param expected what its name says
     * @param actual what its bytes hash to
     */
    public record Corruption(Path blob, String expected, String actual) {}

    private final HubCache cache;

    /** Maintenance of {@code cache}. */
    public CacheMaintenance(HubCache cache) {
        this.cache = cache;
    }

    /** Every repository folder in the cache. */
    public List<RepoSummary> list() throws IOException {
        List<RepoSummary> repos = new ArrayList<>();
        if (!Files.isDirectory(cache.root())) {
            return repos;
        }
        try (Stream<Path> children = Files.list(cache.root())) {
            for (Path dir :
                    children.filter(p -> p.getFileName().toString().startsWith("models--"))
                            .sorted()
                            .toList()) {
                List<String> refs = new ArrayList<>();
                Path refsDir = dir.resolve("refs");
                if (Files.isDirectory(refsDir)) {
                    try (Stream<Path> walk = Files.walk(refsDir)) {
                        for (Path ref : walk.filter(Files::isRegularFile).sorted().toList()) {
                            refs.add(refsDir.relativize(ref) + "=" + Files.readString(ref).trim());
                        }
                    }
                }
                repos.add(
                        new RepoSummary(
                                dir.getFileName().toString(),
                                refs,
                                names(dir.resolve("snapshots")),
                                blobBytes(dir)));
            }
        }
        return repos;
    }

    /** Re-hashes every blob of {@code repo} (or of all repositories) and removes corrupt ones. */
    public List<Corruption> verify(Optional<RepoDir> repo) throws IOException {
        List<Corruption> bad = new ArrayList<>();
        for (Path dir : repoDirs(repo)) {
            for (Path blob : blobs(dir)) {
                String name = blob.getFileName().toString();
                String actual;
                if (SHA256.matcher(name).matches()) {
                    actual = RepoDir.sha256Of(blob);
                } else if (SHA1.matcher(name).matches()) {
                    actual = gitBlobId(blob);
                } else {
                    continue;
                }
                if (!actual.equals(name)) {
                    bad.add(new Corruption(blob, name, actual));
                    Files.delete(blob);
                }
            }
        }
        return bad;
    }

    /** Deletes blobs that no snapshot links to; returns the bytes freed. */
    public long gc(boolean incompleteToo) throws IOException {
        long freed = 0;
        for (Path dir : repoDirs(Optional.empty())) {
            Set<String> used = new HashSet<>();
            // Where links were not allowed, snapshots hold copies, and no blob can be proven
            // unused: gc keeps every blob of such a repository.
            boolean hasCopies = false;
            Path snapshots = dir.resolve("snapshots");
            if (Files.isDirectory(snapshots)) {
                try (Stream<Path> walk = Files.walk(snapshots)) {
                    for (Path p : walk.toList()) {
                        if (Files.isSymbolicLink(p)) {
                            used.add(Files.readSymbolicLink(p).getFileName().toString());
                        } else if (Files.isRegularFile(
                                p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                            hasCopies = true;
                        }
                    }
                }
            }
            for (Path blob : blobs(dir)) {
                String name = blob.getFileName().toString();
                boolean incomplete = name.endsWith(".incomplete");
                if ((incomplete && incompleteToo)
                        || (!incomplete && !used.contains(name) && !hasCopies)) {
                    freed += Files.size(blob);
                    Files.delete(blob);
                }
            }
        }
        return freed;
    }

    /** Removes a repository with all its revisions, metadata and locks. */
    public long remove(RepoDir repo) throws IOException, InvalidReferenceException {
        long bytes = blobBytes(repo.dir());
        deleteTree(repo.dir());
        deleteTree(cache.root().resolve(".hubtune").resolve(repo.folderName()));
        deleteTree(cache.root().resolve(".locks").resolve(repo.folderName()));
        return bytes;
    }

    private List<Path> repoDirs(Optional<RepoDir> repo) throws IOException {
        if (repo.isPresent()) {
            return Files.isDirectory(repo.get().dir()) ? List.of(repo.get().dir()) : List.of();
        }
        if (!Files.isDirectory(cache.root())) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(cache.root())) {
            return children.filter(p -> p.getFileName().toString().startsWith("models--"))
                    .sorted()
                    .toList();
        }
    }

    private static List<Path> blobs(Path repoDir) throws IOException {
        Path blobs = repoDir.resolve("blobs");
        if (!Files.isDirectory(blobs)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(blobs)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static long blobBytes(Path repoDir) throws IOException {
        long total = 0;
        for (Path b : blobs(repoDir)) {
            total += Files.size(b);
        }
        return total;
    }

    private static String gitBlobId(Path blob) throws IOException {
        MessageDigest d = ContentHash.Algorithm.GIT_SHA1.newDigest(Files.size(blob));
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(blob)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                d.update(buffer, 0, n);
            }
        }
        return ContentHash.hex(d);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
