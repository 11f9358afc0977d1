package dev.hubtune.hub.cache;

import dev.hubtune.hub.HubtuneHome;
import dev.hubtune.hub.InvalidReferenceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model cache root, laid out as huggingface_hub lays out {@code ~/.cache/huggingface/hub}, so
 * Python tools and hubtune can share one folder ({@code
 * HUBTUNE_HUB_CACHE=~/.cache/huggingface/hub}). The cache holds nothing but what huggingface_hub's
 * scanner accepts: {@code models--*} repository folders (each with {@code blobs/}, {@code
 * snapshots/}, {@code refs/}) and {@code .locks/}. hubtune's own snapshot records live outside it,
 * in a folder of the hubtune home keyed by the cache's path ({@link
 * HubtuneHome#snapshotRecords()}); records older versions kept in {@code <cache>/.hubtune/} are
 * still read, and moved out on first use.
 */
public final class HubCache {

    private static final Logger LOG = LoggerFactory.getLogger(HubCache.class);
    private static final Pattern FOLDER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Where versions before the shared-cache fix kept records, inside the cache. */
    static final String LEGACY_RECORDS = ".hubtune";

    private final Path root;
    private final Path records;

    /** A cache at {@code root} (created lazily), its records in this process's hubtune home. */
    public HubCache(Path root) {
        this(root, HubtuneHome.fromEnvironment().snapshotRecords());
    }

    /**
     * A cache at {@code root} whose records go under {@code recordsRoot} (normally {@link
     * HubtuneHome#snapshotRecords()}), in a folder of their own for this cache.
     */
    public HubCache(Path root, Path recordsRoot) {
        this.root = root.toAbsolutePath().normalize();
        this.records = recordsRoot.toAbsolutePath().normalize().resolve(recordsFolder(this.root));
    }

    /** {@code <name>-<hash of the path>}: readable, and distinct for every cache. */
    private static String recordsFolder(Path root) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(root.toString().getBytes(StandardCharsets.UTF_8));
            String name = root.getFileName() == null ? "root" : root.getFileName().toString();
            return name.replaceAll("[^A-Za-z0-9._-]", "_")
                    + "-"
                    + ContentHash.hex(d).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** The cache root. */
    public Path root() {
        return root;
    }

    /** The folder of this cache's snapshot records (outside the cache). */
    public Path records() {
        return records;
    }

    /** The folder of a Hugging Face repository {@code org/name}: {@code models--org--name}. */
    public RepoDir huggingFace(String repoId) throws InvalidReferenceException {
        return repo("models--" + repoId.replace("/", "--"));
    }

    /** A repository folder by name (for Maven and URL sources: {@code models--maven--g--a}). */
    public RepoDir repo(String folderName) throws InvalidReferenceException {
        if (!FOLDER.matcher(folderName).matches() || folderName.contains("..")) {
            throw new InvalidReferenceException("not a valid cache folder name: " + folderName);
        }
        return new RepoDir(this, folderName);
    }

    /** Where hubtune records what a snapshot should contain. */
    public Path metadata(RepoDir repo, String commit) throws InvalidReferenceException {
        return records.resolve(repo.folderName())
                .resolve(SafePaths.checkSegment(commit, "commit") + ".json");
    }

    private Path legacyMetadata(RepoDir repo, String commit) throws InvalidReferenceException {
        return root.resolve(LEGACY_RECORDS)
                .resolve(repo.folderName())
                .resolve(SafePaths.checkSegment(commit, "commit") + ".json");
    }

    /**
     * The record of a snapshot, if hubtune wrote one (else huggingface_hub or another tool made the
     * snapshot). A record found at the old place inside the cache is moved out first.
     */
    public Optional<SnapshotRecord> readRecord(RepoDir repo, String commit)
            throws IOException, InvalidReferenceException {
        Path current = metadata(repo, commit);
        Optional<SnapshotRecord> record = SnapshotRecord.read(current);
        if (record.isPresent()) {
            return record;
        }
        Path legacy = legacyMetadata(repo, commit);
        Optional<SnapshotRecord> old = SnapshotRecord.read(legacy);
        if (old.isPresent()) {
            old.get().write(current);
            deleteLegacy(legacy);
        }
        return old;
    }

    /** Writes a snapshot's record atomically (and drops an old copy inside the cache). */
    public void writeRecord(RepoDir repo, SnapshotRecord record)
            throws IOException, InvalidReferenceException {
        record.write(metadata(repo, record.commit()));
        Path legacy = legacyMetadata(repo, record.commit());
        if (Files.exists(legacy)) {
            deleteLegacy(legacy);
        }
    }

    /** Deletes the records of a repository (new and old places). */
    public void removeRecords(RepoDir repo) throws IOException {
        CacheMaintenance.deleteTree(records.resolve(repo.folderName()));
        CacheMaintenance.deleteTree(root.resolve(LEGACY_RECORDS).resolve(repo.folderName()));
        pruneLegacyRoot();
    }

    /**
     * Moves every record an older hubtune kept in {@code <cache>/.hubtune/} out of the cache, so
     * that huggingface_hub's scanner stops rejecting the cache. Best effort: a record that cannot
     * be moved now is moved when it is next read.
     */
    public void migrateLegacyRecords() {
        Path legacyRoot = root.resolve(LEGACY_RECORDS);
        if (!Files.isDirectory(legacyRoot)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(legacyRoot, 2)) {
            List<Path> files =
                    walk.filter(p -> p.getFileName().toString().endsWith(".json")).toList();
            for (Path legacy : files) {
                String folder = legacy.getParent().getFileName().toString();
                String name = legacy.getFileName().toString();
                String commit = name.substring(0, name.length() - ".json".length());
                readRecord(repo(folder), commit);
            }
            pruneLegacyRoot();
            LOG.info("moved {} snapshot records out of {} into {}", files.size(), root, records);
        } catch (IOException | InvalidReferenceException | RuntimeException e) {
            LOG.warn("could not move the records in {} yet: {}", legacyRoot, e.toString());
        }
    }

    private void deleteLegacy(Path legacy) throws IOException {
        Files.deleteIfExists(legacy);
        deleteIfEmpty(legacy.getParent());
        pruneLegacyRoot();
    }

    private void pruneLegacyRoot() throws IOException {
        deleteIfEmpty(root.resolve(LEGACY_RECORDS));
    }

    private static void deleteIfEmpty(Path dir) throws IOException {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException | NoSuchFileException stillUsed) {
            // other records remain, or another process removed it first
        }
    }
}
