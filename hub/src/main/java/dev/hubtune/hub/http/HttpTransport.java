package dev.hubtune.hub.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP requests with the behaviour a model hub needs: retries with exponential backoff on
 * connection errors, timeouts, 429 (honouring {@code Retry-After}) and 5xx; redirects followed by
 * hand so that the {@code Authorization} header is only ever sent to the origin the token belongs
 * to (never to a CDN); proxies from {@link ProxyConfig}; TLS through the JVM's standard trust store
 * ({@code javax.net.ssl.trustStore} works for companies that intercept TLS).
 */
public final class HttpTransport {

    private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);
    private static final int MAX_REDIRECTS = 10;

    /**
     * Retry and timeout settings.
     *
     * @param maxAttempts attempts per request (1 = no retry)
     * @param baseDelay first backoff delay, doubled per attempt, with jitter
     * @param maxDelay cap on any single wait, {@code Retry-After} included
     * @param connectTimeout TCP connect timeout
     * @param readTimeout longest silence while reading a response
     */
    public record RetryPolicy(
            int maxAttempts,
            Duration baseDelay,
            Duration maxDelay,
            Duration connectTimeout,
            Duration readTimeout) {

        /** Defaults: 5 attempts, 1 s doubling up to 60 s, 20 s connect, 60 s read. */
        public static RetryPolicy defaults() {
            return new RetryPolicy(
                    5,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(60));
        }

        /** Validates the settings. */
        public RetryPolicy {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException(
                        "maxAttempts must be at least 1: " + maxAttempts);
            }
            Objects.requireNonNull(baseDelay);
            Objects.requireNonNull(maxDelay);
        }

        Duration backoff(int attempt) {
            long base = baseDelay.toMillis() << Math.min(attempt - 1, 20);
            long jitter = base == 0 ? 0 : ThreadLocalRandom.current().nextLong(base / 4 + 1);
            return Duration.ofMillis(Math.min(base + jitter, maxDelay.toMillis()));
        }
    }

    /** An open response; close it to release the connection. */
    public static final class Response implements Closeable {
        private final HttpURLConnection connection;
        private final int status;
        private final URI uri;

        Response(HttpURLConnection connection, int status, URI uri) {
            this.connection = connection;
            this.status = status;
            this.uri = uri;
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

        /** The body (also for error statuses). */
        public InputStream body() throws IOException {
            if (status >= 400) {
                InputStream err = connection.getErrorStream();
                return err == null ? InputStream.nullInputStream() : err;
            }
            return connection.getInputStream();
        }

        /** The body as UTF-8 text, at most {@code limit} bytes. */
        public String text(int limit) throws IOException {
            try (InputStream in = body()) {
                return new String(in.readNBytes(limit), StandardCharsets.UTF_8);
            }
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

    private final RetryPolicy policy;
    private final ProxyConfig proxies;
    private final String userAgent;

    /** A transport with the given retry policy and proxy settings. */
    public HttpTransport(RetryPolicy policy, ProxyConfig proxies, String userAgent) {
        this.policy = Objects.requireNonNull(policy);
        this.proxies = Objects.requireNonNull(proxies);
        this.userAgent = userAgent;
    }

    /** The retry policy. */
    public RetryPolicy policy() {
        return policy;
    }

    /**
     * Sends a request, following redirects and retrying transient failures. The returned response
     * may still be an error status (4xx, or 5xx after the last attempt) for the caller to map.
     *
     * @param bearer a token sent as {@code Authorization: Bearer} only to {@code tokenOrigin}
     * @param tokenOrigin {@code scheme://host:port} the token belongs to
     */
    public Response send(
            String method,
            URI uri,
            Map<String, String> headers,
            Optional<String> bearer,
            Optional<URI> tokenOrigin)
            throws IOException {
        IOException lastError = null;
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
            try {
                Response r = followRedirects(method, uri, headers, bearer, tokenOrigin);
                boolean transientStatus = r.status() == 429 || r.status() >= 500;
                if (!transientStatus || attempt == policy.maxAttempts()) {
                    return r;
                }
                Duration wait = retryAfter(r).orElse(policy.backoff(attempt));
                LOG.warn(
                        "{} {} answered {}; retrying in {} ms (attempt {}/{})",
                        method,
                        r.uri(),
                        r.status(),
                        wait.toMillis(),
                        attempt + 1,
                        policy.maxAttempts());
                r.close();
                sleep(wait);
            } catch (InterruptedIOException e) {
                lastError = e; // a timeout: retry like a dropped connection
                retryOrThrow(method, uri, attempt, e);
            } catch (IOException e) {
                lastError = e;
                retryOrThrow(method, uri, attempt, e);
            }
        }
        throw Objects.requireNonNull(lastError);
    }

    private void retryOrThrow(String method, URI uri, int attempt, IOException e)
            throws IOException {
        if (attempt == policy.maxAttempts()) {
            throw new IOException(
                    method
                            + " "
                            + uri
                            + " failed after "
                            + attempt
                            + " attempts: "
                            + e.getMessage()
                            + ". Check the network, proxy settings (hubtune doctor) or use --offline"
                            + " with a cached model.",
                    e);
        }
        Duration wait = policy.backoff(attempt);
        LOG.warn(
                "{} {} failed ({}); retrying in {} ms", method, uri, e.toString(), wait.toMillis());
        sleep(wait);
    }

    private Response followRedirects(
            String method,
            URI start,
            Map<String, String> headers,
            Optional<String> bearer,
            Optional<URI> tokenOrigin)
            throws IOException {
        URI uri = start;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpURLConnection c =
                    (HttpURLConnection) uri.toURL().openConnection(proxies.select(uri));
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod(method);
            c.setConnectTimeout((int) policy.connectTimeout().toMillis());
            c.setReadTimeout((int) policy.readTimeout().toMillis());
            c.setUseCaches(false);
            if (userAgent != null) {
                c.setRequestProperty("User-Agent", userAgent);
            }
            headers.forEach(c::setRequestProperty);
            if (bearer.isPresent()
                    && tokenOrigin.isPresent()
                    && sameOrigin(uri, tokenOrigin.get())) {
                c.setRequestProperty("Authorization", "Bearer " + bearer.get());
            }
            int status = c.getResponseCode();
            if (status >= 300 && status < 400 && status != 304) {
                String location = c.getHeaderField("Location");
                Response r = new Response(c, status, uri);
                r.close();
                if (location == null) {
                    throw new IOException(
                            uri + " answered " + status + " without a Location header");
                }
                uri = uri.resolve(location);
                LOG.debug("redirect {} -> {}", status, uri);
                continue;
            }
            return new Response(c, status, uri);
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + start);
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

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }
}
