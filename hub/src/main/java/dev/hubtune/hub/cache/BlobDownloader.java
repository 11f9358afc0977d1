package dev.hubtune.hub.cache;

import dev.hubtune.hub.HubException;
import dev.hubtune.hub.IntegrityException;
import dev.hubtune.hub.ModelNotFoundException.What;
import dev.hubtune.hub.NetworkException;
import dev.hubtune.hub.PullListener;
import dev.hubtune.hub.http.HttpErrors;
import dev.hubtune.hub.http.HttpTransport;
import dev.hubtune.hub.http.Urls;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one file into a repository's blobs, exactly once across threads and processes: streams
 * into {@code blobs/<id>.incomplete} while hashing, resumes a partial file with {@code Range} (also
 * one left by a killed process), starts over when the server ignores {@code Range}, verifies size
 * and hash, and only then renames the file to its final name.
 */
public final class BlobDownloader {

    private static final Logger LOG = LoggerFactory.getLogger(BlobDownloader.class);
    private static final int BUFFER = 1 << 20;

    /**
     * One file to fetch.
     *
     * @param path the file's path in the model (for messages and progress)
     * @param uri where to get it
     * @param size expected size in bytes, or -1 when unknown
     * @param expected expected hash, if the source gives one
     * @param bearer token for the source's own origin
     * @param tokenOrigin the origin the token may be sent to
     */
    public record Request(
            String path,
            URI uri,
            long size,
            Optional<ContentHash> expected,
            Optional<String> bearer,
            Optional<URI> tokenOrigin) {}

    /**
     * A file in the cache.
     *
     * @param blobId its blob name
     * @param sha256 its SHA-256
     * @param size its size
     * @param cached true when no byte had to be downloaded
     */
    public record Result(String blobId, String sha256, long size, boolean cached) {}

    private final HttpTransport http;

    /** A downloader using {@code http}. */
    public BlobDownloader(HttpTransport http) {
        this.http = http;
    }

    /** The blob name a request will get before it is downloaded, if known (HF's etag rule). */
    static Optional<String> knownBlobId(Request request) {
        return request.expected()
                .filter(
                        h ->
                                h.algorithm() == ContentHash.Algorithm.SHA256
                                        || h.algorithm() == ContentHash.Algorithm.GIT_SHA1)
                .map(ContentHash::hex);
    }

    /** Puts the file in {@code repo}'s blobs (if not there yet) and describes it. */
    public Result fetch(Request request, RepoDir repo, PullListener listener)
            throws IOException, HubException {
        Optional<String> knownId = knownBlobId(request);
        String lockName =
                knownId.orElseGet(
                        () ->
                                "url-"
                                        + ContentHash.hex(digestOf(request.uri().toString()))
                                                .substring(0, 32));
        try (BlobLock lock = BlobLock.acquire(repo.lockFile(lockName))) {
            if (knownId.isPresent() && Files.isRegularFile(repo.blob(knownId.get()))) {
                Path blob = repo.blob(knownId.get());
                String sha256 =
                        request.expected().get().algorithm() == ContentHash.Algorithm.SHA256
                                ? knownId.get()
                                : RepoDir.sha256Of(blob);
                listener.fileDone(request.path(), true);
                return new Result(knownId.get(), sha256, Files.size(blob), true);
            }
            Path partial = repo.dir().resolve("blobs").resolve(lockName + ".incomplete");
            Files.createDirectories(partial.getParent());
            Digests digests = download(request, partial, listener);
            long actualSize = Files.size(partial);
            if (request.size() >= 0 && actualSize != request.size()) {
                Files.deleteIfExists(partial);
                throw new IntegrityException(
                        request.path()
                                + ": expected "
                                + request.size()
                                + " bytes, got "
                                + actualSize
                                + " from "
                                + Urls.display(request.uri())
                                + "; the partial file was removed, run the command again.");
            }
            String sha256 = ContentHash.hex(digests.sha256);
            if (request.expected().isPresent()) {
                ContentHash expected = request.expected().get();
                String actual =
                        expected.algorithm() == ContentHash.Algorithm.SHA256
                                ? sha256
                                : ContentHash.hex(digests.other);
                if (!actual.equals(expected.hex())) {
                    Files.deleteIfExists(partial);
                    throw new IntegrityException(
                            request.path()
                                    + ": expected "
                                    + expected
                                    + ", got "
                                    + expected.algorithm().name().toLowerCase(java.util.Locale.ROOT)
                                    + ":"
                                    + actual
                                    + " from "
                                    + Urls.display(request.uri())
                                    + "; the downloaded file was removed, run the command again."
                                    + " If it persists the source is serving different bytes"
                                    + " than it advertises.");
                }
            }
            String blobId = knownId.orElse(sha256);
            Path blob = repo.blob(blobId);
            Files.move(
                    partial,
                    blob,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            listener.fileDone(request.path(), false);
            return new Result(blobId, sha256, actualSize, false);
        }
    }

    /** SHA-256 always (the cache's own record); the source's algorithm too when it differs. */
    private static final class Digests {
        MessageDigest sha256;
        MessageDigest other;
        private final Optional<ContentHash> expected;
        private final long size;

        Digests(Optional<ContentHash> expected, long size) {
            this.expected = expected;
            this.size = size;
            reset();
        }

        void reset() {
            sha256 = ContentHash.Algorithm.SHA256.newDigest(size);
            other =
                    expected.map(ContentHash::algorithm)
                            .filter(a -> a != ContentHash.Algorithm.SHA256)
                            .map(a -> a.newDigest(size))
                            .orElse(null);
        }

        void update(byte[] b, int off, int len) {
            sha256.update(b, off, len);
            if (other != null) {
                other.update(b, off, len);
            }
        }

        List<MessageDigest> all() {
            return other == null ? List.of(sha256) : List.of(sha256, other);
        }
    }

    private Digests download(Request request, Path partial, PullListener listener)
            throws IOException, HubException {
        Digests digests = new Digests(request.expected(), request.size());
        int maxAttempts = http.policy().maxAttempts();
        // The only retry loop of a download: each attempt is one request (sendOnce), so that
        // failures are never retried in two nested layers.
        for (int attempt = 1; ; attempt++) {
            long offset = Files.exists(partial) ? Files.size(partial) : 0;
            if (request.size() >= 0 && offset > request.size()) {
                LOG.warn("{}: partial file is longer than the file; starting over", request.path());
                Files.delete(partial);
                offset = 0;
            }
            digests.reset();
            if (offset > 0) {
                rehash(partial, digests);
            }
            if (request.size() >= 0 && offset == request.size()) {
                return digests; // a previous process got all bytes but died before the rename
            }
            Map<String, String> headers =
                    offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
            HttpTransport.Response r = null;
            try {
                r =
                        http.sendOnce(
                                "GET",
                                request.uri(),
                                headers,
                                request.bearer(),
                                request.tokenOrigin());
                if (HttpTransport.transientStatus(r.status()) && attempt < maxAttempts) {
                    Duration wait = http.retryDelay(attempt, Optional.of(r));
                    LOG.warn(
                            "{}: the server answered {}; retrying in {} ms (attempt {}/{})",
                            request.path(),
                            r.status(),
                            wait.toMillis(),
                            attempt + 1,
                            maxAttempts);
                    r.close();
                    r = null;
                    http.pause(wait);
                    continue;
                }
                if (r.status() >= 400) {
                    throw HttpErrors.map(r, "file " + request.path(), What.FILE);
                }
                boolean append = offset > 0 && r.status() == 206 && rangeStartsAt(r, offset);
                if (offset > 0 && !append) {
                    LOG.info(
                            "{}: the server ignored the resume request (HTTP {}); starting over",
                            request.path(),
                            r.status());
                    offset = 0;
                    digests.reset();
                }
                listener.fileStarted(request.path(), request.size(), offset);
                copy(r.body(), r.contentLength(), partial, append, digests, request, listener);
                return digests;
            } catch (LocalWriteException e) {
                throw e.getCause();
            } catch (IOException e) {
                if (r != null) {
                    r.abort(); // a stalled or broken stream: do not drain it
                }
                NetworkException failure = http.failure("GET", request.uri(), e, attempt);
                if (!failure.retryable() || attempt >= maxAttempts) {
                    throw new NetworkException(
                            failure.kind(),
                            request.path()
                                    + ": "
                                    + failure.getMessage()
                                    + " "
                                    + partialNote(partial),
                            e);
                }
                Duration wait = http.retryDelay(attempt, Optional.empty());
                LOG.warn(
                        "{}: {} at {} bytes; resuming in {} ms (attempt {}/{})",
                        request.path(),
                        e.toString(),
                        Files.exists(partial) ? Files.size(partial) : 0,
                        wait.toMillis(),
                        attempt + 1,
                        maxAttempts);
                http.pause(wait);
            } finally {
                if (r != null) {
                    r.close();
                }
            }
        }
    }

    /** Says what of a failed download is on disk, only what is really there. */
    private static String partialNote(Path partial) throws IOException {
        long kept = Files.exists(partial) ? Files.size(partial) : 0;
        return kept > 0
                ? kept + " bytes are kept in " + partial + "; run the command again to resume."
                : "Nothing was kept.";
    }

    /** A failure writing the local file: the disk's problem, never retried as a network one. */
    private static final class LocalWriteException extends IOException {
        private static final long serialVersionUID = 1L;

        LocalWriteException(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    private static boolean rangeStartsAt(HttpTransport.Response r, long offset) {
        // Content-Range: bytes 100-999/1000
        return r.header("Content-Range")
                .map(v -> v.trim().startsWith("bytes " + offset + "-"))
                .orElse(false);
    }

    private static void copy(
            InputStream body,
            long contentLength,
            Path partial,
            boolean append,
            Digests digests,
            Request request,
            PullListener listener)
            throws IOException, HubException {
        StandardOpenOption mode =
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        FileChannel opened;
        try {
            opened =
                    FileChannel.open(
                            partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
        } catch (IOException e) {
            throw new LocalWriteException(e);
        }
        try (InputStream in = body;
                FileChannel out = opened;
                HashingWriter writer = new HashingWriter(out, digests.all(), BUFFER)) {
            long written = out.size();
            long received = 0;
            while (true) {
                byte[] buffer = writer.buffer();
                int n = in.read(buffer);
                if (n <= 0) {
                    writer.release(buffer);
                    break;
                }
                // Fill the chunk further while data is flowing: fewer, larger writes and hashes.
                while (n < buffer.length && in.available() > 0) {
                    int more = in.read(buffer, n, buffer.length - n);
                    if (more <= 0) {
                        break;
                    }
                    n += more;
                }
                if (request.size() >= 0 && written + n > request.size()) {
                    writer.release(buffer);
                    throw new IntegrityException(
                            request.path()
                                    + ": the server sent more than the expected "
                                    + request.size()
                                    + " bytes from "
                                    + Urls.display(request.uri())
                                    + "; nothing was kept, run the command again.");
                }
                try {
                    writer.write(buffer, n);
                } catch (IOException e) {
                    throw new LocalWriteException(e);
                }
                written += n;
                received += n;
                listener.bytesRead(request.path(), n);
            }
            try {
                writer.finish();
                out.force(true);
            } catch (IOException e) {
                throw new LocalWriteException(e);
            }
            // HttpURLConnection may report a connection closed early as a clean end of stream.
            boolean responseComplete = contentLength < 0 || received == contentLength;
            if (responseComplete && request.size() >= 0 && written != request.size()) {
                throw new IntegrityException(
                        request.path()
                                + ": expected "
                                + request.size()
                                + " bytes, got "
                                + written
                                + " from "
                                + Urls.display(request.uri())
                                + "; the partial file was removed, run the command again.");
            }
            if (!responseComplete) {
                throw new IOException(
                        "connection closed after "
                                + received
                                + " of "
                                + (contentLength >= 0 ? contentLength : request.size())
                                + " bytes");
            }
        } catch (IntegrityException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
    }

    private static void rehash(Path partial, Digests digests) throws IOException {
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(partial)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digests.update(buffer, 0, n);
            }
        }
    }

    private static MessageDigest digestOf(String text) {
        MessageDigest d = ContentHash.Algorithm.SHA256.newDigest(0);
        d.update(text.getBytes(StandardCharsets.UTF_8));
        return d;
    }
}
