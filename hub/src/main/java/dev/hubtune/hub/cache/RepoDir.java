package dev.hubtune.hub.cache;

import dev.hubtune.hub.InvalidReferenceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.UUID;

/**
 * One repository's folder in the cache, in huggingface_hub's layout: {@code blobs/<id>} holds the
 * bytes, {@code snapshots/<commit>/<path>} links to them, {@code refs/<revision>} names a commit.
 */
public final class RepoDir {

    private final HubCache cache;
    private final String folderName;
    private final Path dir;

    RepoDir(HubCache cache, String folderName) {
        this.cache = cache;
        this.folderName = folderName;
        this.dir = cache.root().resolve(folderName);
    }

    /** {@code models--org--name}. */
    public String folderName() {
        return folderName;
    }

    /** The repository folder. */
    public Path dir() {
        return dir;
    }

    /** The blob with {@code id} (a sha256 or git blob id). */
    public Path blob(String id) throws InvalidReferenceException {
        return dir.resolve("blobs").resolve(SafePaths.checkSegment(id, "blob id"));
    }

    /** The snapshot folder of {@code commit}. */
    public Path snapshot(String commit) throws InvalidReferenceException {
        return dir.resolve("snapshots").resolve(SafePaths.checkSegment(commit, "commit"));
    }

    /** The lock file guarding blob {@code id}: {@code <cache>/.locks/<folder>/<id>.lock}. */
    public Path lockFile(String id) throws InvalidReferenceException {
        return cache.root()
                .resolve(".locks")
                .resolve(folderName)
                .resolve(SafePaths.checkSegment(id, "lock name") + ".lock");
    }

    /**
     * The lock every pull into this repository holds shared, and gc takes exclusive: {@code
     * <cache>/.locks/<folder>/pull.lock}.
     */
    public Path pullLockFile() {
        return cache.root().resolve(".locks").resolve(folderName).resolve("pull.lock");
    }

    /** The commit a revision (branch, tag) points to, if the cache knows it. */
    public Optional<String> readRef(String revision) throws IOException, InvalidReferenceException {
        Path ref = SafePaths.resolveInside(dir.resolve("refs"), revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
        return commit.isEmpty() ? Optional.empty() : Optional.of(commit);
    }

    /** Points {@code revision} at {@code commit}, atomically (readers see the old or the new). */
    public void writeRef(String revision, String commit)
            throws IOException, InvalidReferenceException {
        Path ref = SafePaths.resolveInside(dir.resolve("refs"), revision);
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling("." + ref.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        Files.move(tmp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Makes {@code snapshots/<commit>/<path>} point at blob {@code id}: a relative symlink as
     * huggingface_hub makes, or a copy where the file system refuses links.
     */
    public Path link(String commit, String path, String id)
            throws IOException, InvalidReferenceException {
        Path snapshot = snapshot(commit);
        Path target = SafePaths.resolveInside(snapshot, path);
        Path blob = blob(id);
        Files.createDirectories(target.getParent());
        Path tmp =
                target.resolveSibling(
                        "." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createSymbolicLink(tmp, target.getParent().relativize(blob));
        } catch (UnsupportedOperationException | FileSystemException noLinks) {
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(
                tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** Hashes a file completely (verification, resume, existing blobs). */
    public static String sha256Of(Path file) throws IOException {
        MessageDigest digest = ContentHash.Algorithm.SHA256.newDigest(0);
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return ContentHash.hex(digest);
    }
}
