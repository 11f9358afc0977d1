package dev.hubtune.hub.http;

import dev.hubtune.hub.HubException;
import dev.hubtune.hub.InsecureTransportException;
import dev.hubtune.hub.NetworkException;
import dev.hubtune.hub.NetworkException.Kind;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP requests with the behaviour a model hub needs: connect and read timeouts plus a
 * minimum-throughput watchdog; retries with exponential backoff of what can succeed when tried
 * again (timeouts, dropped connections, 429 honouring {@code Retry-After}, 5xx) and never of what
 * cannot (connection refused, unknown host, TLS, redirect loops); redirects followed by hand so
 * that the {@code Authorization} header is only ever sent to the origin the token belongs to (never
 * to a CDN) and never over plain http to another machine; proxies from {@link ProxyConfig}; TLS
 * through the JVM's standard trust store ({@code javax.net.ssl.trustStore} works for companies that
 * intercept TLS).
 *
 * <p>Retries live in one layer per request: {@link #send} for metadata requests, or the caller's
 * own loop around {@link #sendOnce} (the downloader, which resumes with {@code Range}).
 */
public final class HttpTransport {

    private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);
    static final int MAX_REDIRECTS = 10;

    /**
     * Retry and timeout settings.
     *
     * @param maxAttempts attempts per request (1 = no retry)
     * @param baseDelay first backoff delay, doubled per attempt, with jitter
     * @param maxDelay cap on any single wait, {@code Retry-After} included
     * @param connectTimeout TCP connect timeout
     * @param readTimeout longest silence while reading a response; also the window over which the
     *     minimum throughput is measured
     * @param minBytesPerSecond a response slower than this over a whole {@code readTimeout} window
     *     counts as stalled (0 = no minimum)
     */
    public record RetryPolicy(
            int maxAttempts,
            Duration baseDelay,
            Duration maxDelay,
            Duration connectTimeout,
            Duration readTimeout,
            long minBytesPerSecond) {

        /** Default connect and read timeout ({@code HUBTUNE_HTTP_TIMEOUT} overrides it). */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

        /** Default minimum throughput ({@code HUBTUNE_HTTP_MIN_SPEED} overrides it). */
        public static final long DEFAULT_MIN_BYTES_PER_SECOND = 1024;

        /**
         * Defaults: 5 attempts, 1 s doubling up to 60 s, {@link #DEFAULT_TIMEOUT} to connect and
         * between bytes, at least {@link #DEFAULT_MIN_BYTES_PER_SECOND} bytes/s.
         */
        public static RetryPolicy defaults() {
            return new RetryPolicy(
                    5,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(60),
                    DEFAULT_TIMEOUT,
                    DEFAULT_TIMEOUT,
                    DEFAULT_MIN_BYTES_PER_SECOND);
        }

        /** A policy with the default minimum throughput. */
        public RetryPolicy(
                int maxAttempts,
                Duration baseDelay,
                Duration maxDelay,
                Duration connectTimeout,
                Duration readTimeout) {
            this(
                    maxAttempts,
                    baseDelay,
                    maxDelay,
                    connectTimeout,
                    readTimeout,
                    DEFAULT_MIN_BYTES_PER_SECOND);
        }

        /** Validates the settings. */
        public RetryPolicy {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException(
                        "maxAttempts must be at least 1: " + maxAttempts);
            }
            Objects.requireNonNull(baseDelay);
            Objects.requireNonNull(maxDelay);
            if (connectTimeout.isNegative()
                    || connectTimeout.isZero()
                    || readTimeout.isNegative()
                    || readTimeout.isZero()) {
                throw new IllegalArgumentException(
                        "timeouts must be positive: " + connectTimeout + ", " + readTimeout);
            }
            if (minBytesPerSecond < 0) {
                throw new IllegalArgumentException(
                        "minBytesPerSecond must be >= 0: " + minBytesPerSecond);
            }
        }

        /** This policy with other timeouts and minimum throughput. */
        public RetryPolicy withTimeouts(Duration timeout, long minBytesPerSecond) {
            return new RetryPolicy(
                    maxAttempts, baseDelay, maxDelay, timeout, timeout, minBytesPerSecond);
        }

        Duration backoff(int attempt) {
            long base = baseDelay.toMillis() << Math.min(attempt - 1, 20);
            long jitter = base == 0 ? 0 : ThreadLocalRandom.current().nextLong(base / 4 + 1);
            return Duration.ofMillis(Math.min(base + jitter, maxDelay.toMillis()));
        }
    }

    /** The response body came slower than the policy's minimum throughput. */
    public static final class StalledException extends IOException {
        private static final long serialVersionUID = 1L;

        StalledException(String message) {
            super(message);
        }
    }

    /** An open response; close it to release the connection. */
    public static final class Response implements Closeable {
        private final HttpURLConnection connection;
        private final int status;
        private final URI uri;
        private final RetryPolicy policy;
        private InputStream body;

        Response(HttpURLConnection connection, int status, URI uri, RetryPolicy policy) {
            this.connection = connection;
            this.status = status;
            this.uri = uri;
            this.policy = policy;
        }

        /** HTTP status code. */
        public int status() {
            return status;
        }

        /** The URI that answered (after redirects). */
        public URI uri() {
            return uri;
        }

        /** A response header, if present. */
        public Optional<String> header(String name) {
            return Optional.ofNullable(connection.getHeaderField(name));
        }

        /** Content length, or -1 when unknown. */
        public long contentLength() {
            return connection.getContentLengthLong();
        }

        /** The body (also for error statuses), watched for minimum throughput. */
        public InputStream body() throws IOException {
            if (body == null) {
                InputStream raw;
                if (status >= 400) {
                    InputStream err = connection.getErrorStream();
                    raw = err == null ? InputStream.nullInputStream() : err;
                } else {
                    raw = connection.getInputStream();
                }
                body = new Watched(raw, policy, uri);
            }
            return body;
        }

        /** The body as UTF-8 text, at most {@code limit} bytes. */
        public String text(int limit) throws IOException {
            try (InputStream in = body()) {
                return new String(in.readNBytes(limit), StandardCharsets.UTF_8);
            }
        }

        /** Drops the connection without reading the rest (after a stall or a broken body). */
        public void abort() {
            connection.disconnect();
        }

        @Override
        public void close() {
            try {
                body().close();
            } catch (IOException ignored) {
                // the connection is being discarded anyway
            }
        }
    }

    /**
     * Fails a body that delivers less than the minimum throughput over a whole window. The read
     * timeout alone cannot: a server dripping one byte every 50 s never stays silent for 60 s.
     */
    private static final class Watched extends FilterInputStream {
        private final long windowNanos;
        private final long minBytesPerSecond;
        private final URI uri;
        private long windowStart = System.nanoTime();
        private long windowBytes;

        Watched(InputStream in, RetryPolicy policy, URI uri) {
            super(in);
            this.windowNanos = policy.readTimeout().toNanos();
            this.minBytesPerSecond = policy.minBytesPerSecond();
            this.uri = uri;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                account(1); // at the end nothing is slow any more: no check
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n >= 0) {
                account(n);
            }
            return n;
        }

        private void account(int n) throws StalledException {
            windowBytes += n;
            long elapsed = System.nanoTime() - windowStart;
            if (elapsed < windowNanos) {
                return;
            }
            double rate = windowBytes * 1e9 / elapsed;
            if (minBytesPerSecond > 0 && rate < minBytesPerSecond) {
                throw new StalledException(
                        String.format(
                                Locale.ROOT,
                                "%s sent %d bytes in %.1f s, slower than the minimum of %d bytes/s",
                                Urls.hostPort(uri),
                                windowBytes,
                                elapsed / 1e9,
                                minBytesPerSecond));
            }
            windowStart = System.nanoTime();
            windowBytes = 0;
        }
    }

    private final RetryPolicy policy;
    private final ProxyConfig proxies;
    private final String userAgent;
    private final boolean allowHttp;
    private final Consumer<String> warnings;
    private final Set<String> warnedOrigins = ConcurrentHashMap.newKeySet();

    /** A transport with the given retry policy and proxy settings; credentials need https. */
    public HttpTransport(RetryPolicy policy, ProxyConfig proxies, String userAgent) {
        this(policy, proxies, userAgent, false, w -> {});
    }

    /**
     * A transport.
     *
     * @param allowHttp true to send credentials over plain http and not warn about it (the user's
     *     explicit opt-in, {@code HUBTUNE_ALLOW_HTTP})
     * @param warnings receives one-line warnings for the user (also logged)
     */
    public HttpTransport(
            RetryPolicy policy,
            ProxyConfig proxies,
            String userAgent,
            boolean allowHttp,
            Consumer<String> warnings) {
        this.policy = Objects.requireNonNull(policy);
        this.proxies = Objects.requireNonNull(proxies);
        this.userAgent = userAgent;
        this.allowHttp = allowHttp;
        this.warnings = Objects.requireNonNull(warnings);
    }

    /** The retry policy. */
    public RetryPolicy policy() {
        return policy;
    }

    /**
     * Sends a request, following redirects and retrying what can succeed when tried again. The
     * returned response may still be an error status (4xx, or 429/5xx after the last attempt) for
     * the caller to map.
     *
     * @param bearer a token sent as {@code Authorization: Bearer} only to {@code tokenOrigin}
     * @param tokenOrigin {@code scheme://host:port} the token belongs to
     * @throws NetworkException when no response could be had, saying why
     */
    public Response send(
            String method,
            URI uri,
            Map<String, String> headers,
            Optional<String> bearer,
            Optional<URI> tokenOrigin)
            throws HubException {
        for (int attempt = 1; ; attempt++) {
            Response r;
            try {
                r = sendOnce(method, uri, headers, bearer, tokenOrigin);
            } catch (IOException e) {
                NetworkException failure = failure(method, uri, e, attempt);
                if (!failure.retryable() || attempt >= policy.maxAttempts()) {
                    throw failure;
                }
                Duration wait = retryDelay(attempt, Optional.empty());
                LOG.warn(
                        "{} {} failed ({}); retrying in {} ms (attempt {}/{})",
                        method,
                        Urls.display(uri),
                        e.toString(),
                        wait.toMillis(),
                        attempt + 1,
                        policy.maxAttempts());
                pause(wait);
                continue;
            }
            if (!transientStatus(r.status()) || attempt >= policy.maxAttempts()) {
                return r;
            }
            Duration wait = retryDelay(attempt, Optional.of(r));
            LOG.warn(
                    "{} {} answered {}; retrying in {} ms (attempt {}/{})",
                    method,
                    Urls.display(r.uri()),
                    r.status(),
                    wait.toMillis(),
                    attempt + 1,
                    policy.maxAttempts());
            r.close();
            pause(wait);
        }
    }

    /**
     * One attempt, redirects followed, no retry: for callers that retry in their own loop. {@link
     * #failure} turns the {@code IOException} into a {@link NetworkException}.
     *
     * @throws HubException for what no retry can fix: a credential over plain http, a redirect loop
     *     or a redirect to something other than http(s)
     */
    public Response sendOnce(
            String method,
            URI start,
            Map<String, String> headers,
            Optional<String> bearer,
            Optional<URI> tokenOrigin)
            throws IOException, HubException {
        URI uri = start;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            checkFollowable(start, uri, hop);
            boolean withToken =
                    bearer.isPresent()
                            && tokenOrigin.isPresent()
                            && sameOrigin(uri, tokenOrigin.get());
            checkTransportSecurity(uri, withToken);
            HttpURLConnection c =
                    (HttpURLConnection) uri.toURL().openConnection(proxies.select(uri));
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod(method);
            c.setConnectTimeout(millis(policy.connectTimeout()));
            c.setReadTimeout(millis(policy.readTimeout()));
            c.setUseCaches(false);
            if (userAgent != null) {
                c.setRequestProperty("User-Agent", userAgent);
            }
            headers.forEach(c::setRequestProperty);
            if (withToken) {
                c.setRequestProperty("Authorization", "Bearer " + bearer.get());
            }
            int status = c.getResponseCode();
            if (status >= 300 && status < 400 && status != 304) {
                String location = c.getHeaderField("Location");
                new Response(c, status, uri, policy).close();
                if (location == null) {
                    throw new NetworkException(
                            Kind.REDIRECT,
                            method
                                    + " "
                                    + Urls.display(uri)
                                    + " answered "
                                    + status
                                    + " without a Location header; the server is misconfigured,"
                                    + " report it to its operator.",
                            null);
                }
                try {
                    uri = uri.resolve(location.trim());
                } catch (IllegalArgumentException e) {
                    throw new NetworkException(
                            Kind.REDIRECT,
                            Urls.display(uri)
                                    + " redirected to '"
                                    + location
                                    + "', which is not a valid URL; the server is misconfigured,"
                                    + " report it to its operator.",
                            e);
                }
                LOG.debug("redirect {} -> {}", status, Urls.display(uri));
                continue;
            }
            return new Response(c, status, uri, policy);
        }
        throw new NetworkException(
                Kind.REDIRECT,
                method
                        + " "
                        + Urls.display(start)
                        + ": more than "
                        + MAX_REDIRECTS
                        + " redirects (last to "
                        + Urls.display(uri)
                        + "), a redirect loop; the server is misconfigured, report it to its"
                        + " operator.",
                null);
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    /** Only absolute http(s) URLs with a host are fetched; a server cannot point us elsewhere. */
    private static void checkFollowable(URI start, URI uri, int hop) throws NetworkException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
            return;
        }
        String where =
                hop == 0
                        ? "'" + uri + "' is not an http(s) URL with a host"
                        : Urls.display(start)
                                + " redirected to '"
                                + uri
                                + "'; hubtune follows redirects to http(s) URLs only";
        throw new NetworkException(
                Kind.REDIRECT,
                where + "; the server is misconfigured or malicious, nothing was fetched.",
                null);
    }

    private void checkTransportSecurity(URI uri, boolean withToken)
            throws InsecureTransportException {
        if (!"http".equalsIgnoreCase(uri.getScheme())
                || allowHttp
                || Urls.isLoopback(uri.getHost())) {
            return;
        }
        if (withToken) {
            throw new InsecureTransportException(
                    "refusing to send your Hugging Face token (HF_TOKEN or huggingface_hub's token"
                            + " file) over plain http to "
                            + Urls.hostPort(uri)
                            + ", where anyone on the way could read it; use an https:// endpoint,"
                            + " or set HUBTUNE_ALLOW_HTTP=1 to accept the risk.");
        }
        if (warnedOrigins.add(Urls.hostPort(uri))) {
            String warning =
                    "plain http to "
                            + Urls.hostPort(uri)
                            + ": what it sends can be read and altered on the way; use https, or"
                            + " set HUBTUNE_ALLOW_HTTP=1 if this is intended.";
            LOG.warn(warning);
            warnings.accept(warning);
        }
    }

    /** True for 429 and 5xx: answers that may be different when asked again. */
    public static boolean transientStatus(int status) {
        return status == 429 || status >= 500;
    }

    /** How long to wait before attempt {@code attempt + 1}: Retry-After if given, else backoff. */
    public Duration retryDelay(int attempt, Optional<Response> response) {
        return response.flatMap(this::retryAfter).orElse(policy.backoff(attempt));
    }

    /** Sleeps before a retry. */
    public void pause(Duration d) throws HubException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while waiting to retry", e);
        }
    }

    /**
     * Classifies a failed request: the kind (and so whether a retry can help) and a one-line
     * message with the real cause and what to do.
     *
     * @param attempts how many attempts were made, for the message
     */
    public NetworkException failure(String method, URI uri, IOException e, int attempts) {
        String target = Urls.hostPort(uri);
        Proxy proxy = proxies.select(uri);
        String via =
                proxy.type() == Proxy.Type.DIRECT ? "" : " (through proxy " + proxy.address() + ")";
        String timeout = seconds(policy.readTimeout());
        Kind kind;
        String what;
        String todo;
        if (e instanceof StalledException) {
            kind = Kind.STALLED;
            what = e.getMessage();
            todo =
                    "the server or network is overloaded; try again later (HUBTUNE_HTTP_MIN_SPEED=0"
                            + " turns this check off)";
        } else if (e instanceof SocketTimeoutException) {
            kind = Kind.TIMEOUT;
            boolean connect =
                    String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("connect");
            what =
                    connect
                            ? "no connection to "
                                    + target
                                    + via
                                    + " within "
                                    + seconds(policy.connectTimeout())
                            : "no data from " + target + " for " + timeout;
            todo =
                    "the server or network is slow or down; try again later or raise HUBTUNE_HTTP_TIMEOUT (seconds)";
        } else if (e instanceof UnknownHostException) {
            kind = Kind.UNKNOWN_HOST;
            what = "cannot resolve the host name " + uri.getHost() + via;
            todo =
                    "check the spelling and the network; behind a proxy set HTTPS_PROXY (hubtune"
                            + " doctor shows what is in effect), or use --offline with a cached model";
        } else if (e instanceof ConnectException) {
            kind = Kind.CONNECTION_REFUSED;
            what =
                    proxy.type() == Proxy.Type.DIRECT
                            ? "connection refused by " + target + " (nothing listens there)"
                            : "connection refused by the proxy " + proxy.address();
            todo =
                    "check the address (HF_ENDPOINT, HUBTUNE_MAVEN_REPOSITORY, HUBTUNE_PYPI_INDEX or the"
                            + " URL) and the proxy settings, or use --offline with a cached model";
        } else if (e instanceof NoRouteToHostException) {
            kind = Kind.UNREACHABLE;
            what = "no route to " + target + via;
            todo = "check the network, or use --offline with a cached model";
        } else if (isTlsFailure(e)) {
            kind = Kind.TLS;
            what = "the TLS connection to " + target + via + " failed (" + e.getMessage() + ")";
            todo =
                    "if your network inspects TLS, add its root certificate to a trust store and run"
                            + " Java with -Djavax.net.ssl.trustStore=PATH"
                            + " -Djavax.net.ssl.trustStorePassword=PASSWORD (for the hubtune"
                            + " command: JAVA_TOOL_OPTIONS); check also that the URL is https on an"
                            + " https port";
        } else if (String.valueOf(e.getMessage()).contains("Unable to tunnel through proxy")) {
            kind = Kind.PROXY;
            what = "the proxy" + via + " refused the request (" + e.getMessage() + ")";
            todo =
                    "check HTTPS_PROXY or -Dhttps.proxyHost and the proxy's credentials (hubtune doctor)";
        } else {
            kind = Kind.CONNECTION_LOST;
            what = "the connection to " + target + via + " broke (" + e + ")";
            todo = "run the command again (downloads resume where they stopped)";
        }
        String tries = attempts > 1 ? " (" + attempts + " attempts)" : "";
        return new NetworkException(
                kind,
                method + " " + Urls.display(uri) + ": " + what + tries + "; " + todo + ".",
                e);
    }

    private static boolean isTlsFailure(IOException e) {
        if (e instanceof SSLHandshakeException || e instanceof SSLPeerUnverifiedException) {
            return true;
        }
        if (!(e instanceof SSLException)) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return true;
            }
        }
        // A plain-http server on an https URL.
        return String.valueOf(e.getMessage()).contains("Unsupported or unrecognized SSL message");
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0
                ? d.toSeconds() + " s"
                : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** True when both URIs share scheme, host and port. */
    public static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() > 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private Optional<Duration> retryAfter(Response r) {
        return r.header("Retry-After")
                .flatMap(HttpTransport::parseRetryAfter)
                .map(d -> d.compareTo(policy.maxDelay()) > 0 ? policy.maxDelay() : d);
    }

    static Optional<Duration> parseRetryAfter(String value) {
        String v = value.trim();
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }
}
