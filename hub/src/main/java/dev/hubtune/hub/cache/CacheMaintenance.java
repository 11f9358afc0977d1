package dev.hubtune.hub.cache;

import dev.hubtune.hub.InvalidReferenceException;
import dev.hubtune.hub.ModelDir;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /**
     * A file a snapshot should have but does not: a link whose blob is gone (removed by verify,
     * deleted by hand or by another tool), or a file the snapshot's record lists that is absent.
     *
     * @param folder the repository folder, {@code models--org--name}
     * @param commit the snapshot
     * @param path the file's path in the model
     * @param blob the blob it should link to (empty when unknown)
     */
    public record MissingFile(String folder, String commit, String path, String blob) {}

    /**
     * How old an unlinked blob or a partial download must be before gc may delete it, for the tools
     * that do not take hubtune's pull lock: huggingface_hub links a blob right after writing it and
     * keeps writing a partial it is downloading.
     */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(CacheMaintenance.class);

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

    /**
     * Files that snapshots of {@code repo} (or of all repositories) should have but do not, by
     * name: dangling links (huggingface_hub's own scanner calls them corrupted) and files a record
     * lists that are absent. A pull restores them.
     */
    public List<MissingFile> missing(Optional<RepoDir> repo)
            throws IOException, InvalidReferenceException {
        List<MissingFile> missing = new ArrayList<>();
        for (Path dir : repoDirs(repo)) {
            RepoDir r = cache.repo(dir.getFileName().toString());
            for (String commit : names(dir.resolve("snapshots"))) {
                Path snapshot = dir.resolve("snapshots").resolve(commit);
                if (!Files.isDirectory(snapshot, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Set<String> reported = new HashSet<>();
                try (Stream<Path> walk = Files.walk(snapshot)) {
                    for (Path p : walk.sorted().toList()) {
                        if (Files.isSymbolicLink(p) && !Files.exists(p)) {
                            String path = relative(snapshot, p);
                            reported.add(path);
                            missing.add(
                                    new MissingFile(
                                            r.folderName(),
                                            commit,
                                            path,
                                            Files.readSymbolicLink(p).getFileName().toString()));
                        }
                    }
                }
                Optional<SnapshotRecord> record = cache.readRecord(r, commit);
                if (record.isPresent()) {
                    for (ModelDir.CachedFile f : record.get().files()) {
                        if (!reported.contains(f.path())
                                && !Files.exists(SafePaths.resolveInside(snapshot, f.path()))) {
                            missing.add(
                                    new MissingFile(r.folderName(), commit, f.path(), f.blob()));
                        }
                    }
                }
            }
        }
        return missing;
    }

    private static String relative(Path base, Path p) {
        return base.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

    /**
     * Deletes blobs that no snapshot links to, and with {@code incompleteToo} partial downloads;
     * returns the bytes freed. Repositories with a pull in progress (in any process) are skipped
     * whole; files younger than {@link #DEFAULT_GRACE} are kept.
     */
    public long gc(boolean incompleteToo) throws IOException {
        return gc(incompleteToo, DEFAULT_GRACE);
    }

    /** {@link #gc(boolean)} with another grace period for fresh files. */
    public long gc(boolean incompleteToo, Duration grace) throws IOException {
        long freed = 0;
        FileTime cutoff = FileTime.from(Instant.now().minus(grace));
        for (Path dir : repoDirs(Optional.empty())) {
            RepoDir repo;
            try {
                repo = cache.repo(dir.getFileName().toString());
            } catch (InvalidReferenceException notOurs) {
                continue;
            }
            Optional<PullLock> lock = PullLock.tryExclusive(repo.pullLockFile());
            if (lock.isEmpty()) {
                LOG.info("gc skips {}: a pull into it is in progress", repo.folderName());
                continue;
            }
            try (PullLock held = lock.get()) {
                freed += gcRepo(dir, incompleteToo, cutoff);
            }
        }
        return freed;
    }

    private static long gcRepo(Path dir, boolean incompleteToo, FileTime cutoff)
            throws IOException {
        long freed = 0;
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
                    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        hasCopies = true;
                    }
                }
            }
        }
        for (Path blob : blobs(dir)) {
            String name = blob.getFileName().toString();
            boolean incomplete = name.endsWith(".incomplete");
            boolean unused =
                    (incomplete && incompleteToo)
                            || (!incomplete && !used.contains(name) && !hasCopies);
            if (unused && Files.getLastModifiedTime(blob).compareTo(cutoff) <= 0) {
                freed += Files.size(blob);
                Files.delete(blob);
            }
        }
        return freed;
    }

    /** Removes a repository with all its revisions, metadata and locks. */
    public long remove(RepoDir repo) throws IOException, InvalidReferenceException {
        long bytes = blobBytes(repo.dir());
        deleteTree(repo.dir());
        cache.removeRecords(repo);
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

    static void deleteTree(Path root) throws IOException {
        FileTrees.deleteTree(root);
    }
}
