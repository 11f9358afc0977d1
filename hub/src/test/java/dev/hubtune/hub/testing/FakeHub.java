package dev.hubtune.hub.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 speaking the subset of the Hugging Face Hub API hubtune uses,
 * with LFS files redirected to a second "CDN" server on another port, plus a Maven repository
 * layout. Faults (dropped connections, ignored Range, 429, 5xx, wrong bytes, slow streams) are
 * switched on per test.
 */
public final class FakeHub implements AutoCloseable {

    /** A request as the server saw it. */
    public record Seen(String server, String method, String path, Map<String, String> headers) {}

    /** A file of a repository revision. */
    public record File(byte[] bytes, boolean lfs) {}

    /** Fault switches for the CDN and the resolve endpoint; all off by default. */
    public static final class Faults {
        /** Close the connection after this many bytes, for the next {@code dropTimes} downloads. */
        public volatile long dropAfterBytes = -1;

        /** How many downloads to cut short. */
        public final AtomicInteger dropTimes = new AtomicInteger();

        /** Answer 200 with the whole file even when a Range is asked for. */
        public volatile boolean ignoreRange;

        /** Answer 503 to this many download requests first. */
        public final AtomicInteger fail503 = new AtomicInteger();

        /** Answer 429 with Retry-After: 1 to this many download requests first. */
        public final AtomicInteger rateLimit429 = new AtomicInteger();

        /** Serve these bytes instead of the real ones (wrong hash or size). */
        public volatile byte[] substitute;

        /** Pause this many ms after every 64 KiB (to kill a client mid-download). */
        public volatile int slowMillisPer64k;
    }

    private final java.util.concurrent.ExecutorService executor = Executors.newCachedThreadPool();
    private final HttpServer hub;
    private final HttpServer cdn;

    /** repo -> branch/tag -> commit. */
    private final Map<String, Map<String, String>> refs = new ConcurrentHashMap<>();

    /** repo -> commit -> path -> file. */
    private final Map<String, Map<String, Map<String, File>>> commits = new ConcurrentHashMap<>();

    private final Map<String, byte[]> lfsBlobs = new ConcurrentHashMap<>();
    private final Map<String, String> gated = new ConcurrentHashMap<>();
    private final Map<String, byte[]> maven = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, HttpHandler> routes = new ConcurrentHashMap<>();

    /** normalized project -> file name -> bytes, served as a PEP 503/691 simple index. */
    private final Map<String, Map<String, byte[]>> pypi = new ConcurrentHashMap<>();

    /** Answer the simple index in PEP 691 JSON when asked (else PEP 503 HTML only). */
    public volatile boolean pypiJson = true;

    /**
     * A path prefix the hub server answers under (a mirror such as https://host/hf); requests
     * without it get 404. Empty by default.
     */
    public volatile String pathPrefix = "";

    /** Fault switches (for CDN and Maven files). */
    public final Faults faults = new Faults();

    private static final Faults NO_FAULTS = new Faults();

    /** Starts both servers on ephemeral loopback ports. */
    public FakeHub() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", ex -> handle(ex, "hub"));
        cdn.createContext("/", ex -> handle(ex, "cdn"));
        hub.setExecutor(executor);
        cdn.setExecutor(executor);
        hub.start();
        cdn.start();
    }

    /** The hub's endpoint, as HF_ENDPOINT. */
    public String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    /** The Maven repository base URL. */
    public String mavenRepository() {
        return endpoint() + "/maven2/";
    }

    /** The CDN's origin. */
    public String cdnOrigin() {
        return "http://127.0.0.1:" + cdn.getAddress().getPort();
    }

    /** Publishes a commit of {@code repo} and points {@code branch} at it. */
    public String publish(String repo, String branch, Map<String, File> files) {
        String commit =
                sha1Hex(
                        (repo + branch + files.keySet() + System.nanoTime())
                                .getBytes(StandardCharsets.UTF_8));
        commits.computeIfAbsent(repo, r -> new ConcurrentHashMap<>())
                .put(commit, new LinkedHashMap<>(files));
        refs.computeIfAbsent(repo, r -> new ConcurrentHashMap<>()).put(branch, commit);
        files.values().stream()
                .filter(File::lfs)
                .forEach(f -> lfsBlobs.put(sha256Hex(f.bytes()), f.bytes()));
        return commit;
    }

    /** Makes {@code repo} gated: only {@code token} gets in. */
    public void gate(String repo, String token) {
        gated.put(repo, token);
    }

    /** Publishes a jar (any bytes) with its .sha1 in the Maven layout. */
    public void publishMaven(String path, byte[] jar) {
        maven.put(path, jar);
        maven.put(
                path + ".sha1",
                (sha1Hex(jar) + "  " + path.substring(path.lastIndexOf('/') + 1))
                        .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Serves {@code path} (on the hub server, after {@link #pathPrefix}) with {@code handler}
     * instead of the built-in behaviour: for redirects, malformed answers, stalls.
     */
    public void route(String path, HttpHandler handler) {
        routes.put(path, handler);
    }

    /** The simple index's base URL (pip's index-url). */
    public String pypiIndex() {
        return endpoint() + "/simple/";
    }

    /** Publishes a file (a wheel, an sdist) of {@code project} on the simple index. */
    public void publishPypi(String project, String filename, byte[] bytes) {
        pypi.computeIfAbsent(
                        project.toLowerCase(java.util.Locale.ROOT).replaceAll("[-_.]+", "-"),
                        p -> new java.util.concurrent.ConcurrentSkipListMap<>())
                .put(filename, bytes);
    }

    /** Every request so far. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** Forgets the requests seen so far. */
    public void clearSeen() {
        seen.clear();
    }

    private void handle(HttpExchange ex, String server) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders()
                .forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
        String path = ex.getRequestURI().getRawPath();
        seen.add(new Seen(server, ex.getRequestMethod(), path, headers));
        if (server.equals("hub") && !pathPrefix.isEmpty()) {
            if (!path.startsWith(pathPrefix + "/")) {
                try (ex) {
                    send(ex, 404, "not under " + pathPrefix, Map.of());
                }
                return;
            }
            path = path.substring(pathPrefix.length());
        }
        HttpHandler route = server.equals("hub") ? routes.get(path) : null;
        if (route != null) {
            try (ex) {
                route.handle(ex);
            }
            return;
        }
        try (ex) {
            if (server.equals("cdn")) {
                String sha = path.substring(path.lastIndexOf('/') + 1);
                byte[] bytes = lfsBlobs.get(sha);
                if (bytes == null) {
                    send(ex, 404, "no such blob", Map.of());
                } else {
                    serveFile(ex, bytes, headers, true);
                }
                return;
            }
            if (path.startsWith("/maven2/")) {
                byte[] bytes = maven.get(path.substring("/maven2/".length()));
                if (bytes == null) {
                    send(ex, 404, "Not Found", Map.of());
                } else if (path.endsWith(".sha1")) {
                    ex.sendResponseHeaders(200, bytes.length);
                    ex.getResponseBody().write(bytes);
                } else {
                    serveFile(ex, bytes, headers, true);
                }
                return;
            }
            if (path.startsWith("/simple/")) {
                simpleIndex(ex, path.substring("/simple/".length()).replace("/", ""), headers);
                return;
            }
            if (path.startsWith("/pypi-files/")) {
                String name = path.substring(path.lastIndexOf('/') + 1);
                byte[] bytes =
                        pypi.values().stream()
                                .map(m -> m.get(name))
                                .filter(java.util.Objects::nonNull)
                                .findFirst()
                                .orElse(null);
                if (bytes == null) {
                    send(ex, 404, "Not Found", Map.of());
                } else {
                    serveFile(ex, bytes, headers, true);
                }
                return;
            }
            if (path.startsWith("/api/models/")) {
                api(ex, path.substring("/api/models/".length()), headers);
                return;
            }
            int resolve = path.indexOf("/resolve/");
            if (resolve > 0) {
                resolveFile(
                        ex,
                        path.substring(1, resolve),
                        path.substring(resolve + "/resolve/".length()),
                        headers);
                return;
            }
            send(ex, 404, "unknown path " + path, Map.of());
        }
    }

    /** PEP 691 JSON when asked for and enabled, else PEP 503 HTML with relative links. */
    private void simpleIndex(HttpExchange ex, String project, Map<String, String> headers)
            throws IOException {
        Map<String, byte[]> files = pypi.get(project);
        if (files == null) {
            send(ex, 404, "Not Found", Map.of());
            return;
        }
        byte[] body;
        if (pypiJson
                && headers.getOrDefault("accept", "")
                        .contains("application/vnd.pypi.simple.v1+json")) {
            JsonObject o = new JsonObject();
            JsonObject meta = new JsonObject();
            meta.addProperty("api-version", "1.1");
            o.add("meta", meta);
            o.addProperty("name", project);
            JsonArray list = new JsonArray();
            for (var f : files.entrySet()) {
                JsonObject file = new JsonObject();
                file.addProperty("filename", f.getKey());
                file.addProperty("url", endpoint() + "/pypi-files/" + f.getKey());
                JsonObject hashes = new JsonObject();
                hashes.addProperty("sha256", sha256Hex(f.getValue()));
                file.add("hashes", hashes);
                file.addProperty("size", f.getValue().length);
                file.addProperty("yanked", false);
                list.add(file);
            }
            o.add("files", list);
            body = o.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/vnd.pypi.simple.v1+json");
        } else {
            StringBuilder html =
                    new StringBuilder(
                            "<!DOCTYPE html>\n<html><body><h1>Links for " + project + "</h1>\n");
            for (var f : files.entrySet()) {
                html.append("<a href=\"../../pypi-files/")
                        .append(f.getKey())
                        .append("#sha256=")
                        .append(sha256Hex(f.getValue()))
                        .append("\" data-requires-python=\"&gt;=3.9\">")
                        .append(f.getKey())
                        .append("</a><br/>\n");
            }
            body = html.append("</body></html>\n").toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/html");
        }
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private boolean authorized(HttpExchange ex, String repo, Map<String, String> headers)
            throws IOException {
        String token = gated.get(repo);
        if (token == null) {
            return true;
        }
        String auth = headers.get("authorization");
        if (auth == null) {
            send(
                    ex,
                    401,
                    "Access to model " + repo + " is restricted.",
                    Map.of("X-Error-Code", "GatedRepo"));
            return false;
        }
        if (!auth.equals("Bearer " + token)) {
            send(
                    ex,
                    403,
                    "Access to model " + repo + " is restricted.",
                    Map.of("X-Error-Code", "GatedRepo"));
            return false;
        }
        return true;
    }

    private void api(HttpExchange ex, String rest, Map<String, String> headers) throws IOException {
        int rev = rest.indexOf("/revision/");
        String repo = rev < 0 ? rest : rest.substring(0, rev);
        String revision =
                rev < 0
                        ? "main"
                        : URLDecoder.decode(
                                rest.substring(rev + "/revision/".length()),
                                StandardCharsets.UTF_8);
        if (!commits.containsKey(repo)) {
            send(ex, 404, "Repository not found", Map.of("X-Error-Code", "RepoNotFound"));
            return;
        }
        if (!authorized(ex, repo, headers)) {
            return;
        }
        String commit =
                commits.get(repo).containsKey(revision) ? revision : refs.get(repo).get(revision);
        if (commit == null) {
            send(
                    ex,
                    404,
                    "Invalid rev id: " + revision,
                    Map.of("X-Error-Code", "RevisionNotFound"));
            return;
        }
        JsonObject info = new JsonObject();
        info.addProperty("id", repo);
        info.addProperty("sha", commit);
        JsonArray siblings = new JsonArray();
        for (var e : commits.get(repo).get(commit).entrySet()) {
            JsonObject s = new JsonObject();
            s.addProperty("rfilename", e.getKey());
            byte[] bytes = e.getValue().bytes();
            s.addProperty("size", bytes.length);
            s.addProperty("blobId", gitBlobId(bytes));
            if (e.getValue().lfs()) {
                JsonObject lfs = new JsonObject();
                lfs.addProperty("sha256", sha256Hex(bytes));
                lfs.addProperty("size", bytes.length);
                lfs.addProperty("pointerSize", 134);
                s.add("lfs", lfs);
            }
            siblings.add(s);
        }
        info.add("siblings", siblings);
        byte[] body = info.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void resolveFile(HttpExchange ex, String repo, String rest, Map<String, String> headers)
            throws IOException {
        int slash = rest.indexOf('/');
        String revision = rest.substring(0, slash);
        String file = URLDecoder.decode(rest.substring(slash + 1), StandardCharsets.UTF_8);
        if (!commits.containsKey(repo)) {
            send(ex, 404, "Repository not found", Map.of("X-Error-Code", "RepoNotFound"));
            return;
        }
        if (!authorized(ex, repo, headers)) {
            return;
        }
        String commit =
                commits.get(repo).containsKey(revision) ? revision : refs.get(repo).get(revision);
        File f = commit == null ? null : commits.get(repo).get(commit).get(file);
        if (f == null) {
            send(ex, 404, "Entry not found", Map.of("X-Error-Code", "EntryNotFound"));
            return;
        }
        ex.getResponseHeaders().set("X-Repo-Commit", commit);
        if (f.lfs()) {
            ex.getResponseHeaders()
                    .set("Location", cdnOrigin() + "/repos/blobs/" + sha256Hex(f.bytes()));
            ex.sendResponseHeaders(302, -1);
            return;
        }
        serveFile(ex, f.bytes(), headers, false);
    }

    /** Serves a file; faults apply to CDN and Maven files only (the big ones). */
    private void serveFile(
            HttpExchange ex, byte[] real, Map<String, String> headers, boolean faulty)
            throws IOException {
        Faults faults = faulty ? this.faults : NO_FAULTS;
        if (faults.rateLimit429.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            send(ex, 429, "slow down", Map.of("Retry-After", "1"));
            return;
        }
        if (faults.fail503.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            send(ex, 503, "try later", Map.of());
            return;
        }
        byte[] bytes = faults.substitute != null ? faults.substitute : real;
        long start = 0;
        String range = headers.get("range");
        if (range != null && !faults.ignoreRange && range.startsWith("bytes=")) {
            start = Long.parseLong(range.substring(6, range.indexOf('-')));
        }
        long length = bytes.length - start;
        if (start > 0) {
            ex.getResponseHeaders()
                    .set(
                            "Content-Range",
                            "bytes " + start + "-" + (bytes.length - 1) + "/" + bytes.length);
            ex.sendResponseHeaders(206, length);
        } else {
            ex.sendResponseHeaders(200, length);
        }
        long cut =
                faults.dropAfterBytes >= 0
                                && faults.dropTimes.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                        ? faults.dropAfterBytes
                        : Long.MAX_VALUE;
        OutputStream out = ex.getResponseBody();
        long sent = 0;
        int chunk = 64 * 1024;
        for (long pos = start; pos < bytes.length; pos += chunk) {
            int n = (int) Math.min(chunk, bytes.length - pos);
            if (sent + n > cut) {
                out.write(bytes, (int) pos, (int) (cut - sent));
                out.flush();
                // Abandon the exchange mid-body: the client sees the connection end early.
                throw new IOException("fault: connection dropped after " + cut + " bytes");
            }
            out.write(bytes, (int) pos, n);
            sent += n;
            if (faults.slowMillisPer64k > 0) {
                out.flush();
                sleep(faults.slowMillisPer64k);
            }
        }
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends an error answer as the Hub does ({@code X-Error-Message} and a JSON body). */
    public static void send(
            HttpExchange ex, int status, String message, Map<String, String> headers)
            throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.getResponseHeaders().set("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    /** SHA-256 hex of bytes. */
    public static String sha256Hex(byte[] bytes) {
        return hex("SHA-256", bytes);
    }

    /** SHA-1 hex of bytes. */
    public static String sha1Hex(byte[] bytes) {
        return hex("SHA-1", bytes);
    }

    /** Git blob id of bytes. */
    public static String gitBlobId(byte[] bytes) {
        byte[] header = ("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + bytes.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(bytes, 0, all, header.length, bytes.length);
        return sha1Hex(all);
    }

    private static String hex(String alg, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A URI on the hub server. */
    public URI uri(String path) {
        return URI.create(endpoint() + path);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        executor.shutdownNow();
    }
}
