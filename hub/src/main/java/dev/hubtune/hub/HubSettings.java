package dev.hubtune.hub;

import dev.hubtune.hub.cache.ArchiveUnpacker;
import dev.hubtune.hub.http.HttpTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub-related settings in effect for this process: offline mode, the Hugging Face endpoint,
 * where an access token would come from, proxies, the Maven repository and PyPI index, the plain
 * http policy, HTTP timeouts and archive unpack limits. Secrets are never stored here, only where
 * they come from. Each default is defined once, where it is used ({@link
 * HttpTransport.RetryPolicy}, {@link ArchiveUnpacker.Limits}), and read from there.
 *
 * @param home the hubtune home
 * @param offline true when {@code HUBTUNE_OFFLINE} or {@code HF_HUB_OFFLINE} is set to a true value
 * @param endpoint the Hugging Face endpoint ({@code HF_ENDPOINT}, default {@code
 *     https://huggingface.co})
 * @param tokenSource where a Hugging Face token was found ({@code HF_TOKEN} or a file path), if any
 * @param proxies the proxy settings in effect, with any credentials redacted
 * @param mavenRepository the Maven repository for {@code maven:} references ({@code
 *     HUBTUNE_MAVEN_REPOSITORY}, default Maven Central)
 * @param allowHttp true when the user opted in to plain http ({@code HUBTUNE_ALLOW_HTTP}):
 *     credentials may then cross plain http and http sources are used without a warning. Without it
 *     a token is never sent over http to another machine, and http sources get a warning (loopback
 *     addresses are exempt from both); see {@link #httpPolicy()}
 * @param httpTimeout connect timeout and longest silence of a response ({@code
 *     HUBTUNE_HTTP_TIMEOUT} in seconds, default {@link HttpTransport.RetryPolicy#DEFAULT_TIMEOUT})
 * @param httpMinBytesPerSecond a response slower than this over a whole {@code httpTimeout} window
 *     fails as stalled ({@code HUBTUNE_HTTP_MIN_SPEED} in bytes/s, 0 = off; default {@link
 *     HttpTransport.RetryPolicy#DEFAULT_MIN_BYTES_PER_SECOND})
 * @param pypiIndex the simple repository index of {@code pypi:} references, pip's index-url
 *     convention ({@code HUBTUNE_PYPI_INDEX}, default {@value #PYPI})
 * @param unpackLimits what an archive may unpack to ({@code HUBTUNE_UNPACK_MAX_BYTES}, {@code
 *     HUBTUNE_UNPACK_MAX_RATIO}, {@code HUBTUNE_UNPACK_MAX_ENTRIES}; defaults in {@link
 *     ArchiveUnpacker.Limits#DEFAULTS})
 */
public record HubSettings(
        HubtuneHome home,
        boolean offline,
        String endpoint,
        Optional<String> tokenSource,
        List<String> proxies,
        String mavenRepository,
        boolean allowHttp,
        Duration httpTimeout,
        long httpMinBytesPerSecond,
        String pypiIndex,
        ArchiveUnpacker.Limits unpackLimits) {

    private static final Logger LOG = LoggerFactory.getLogger(HubSettings.class);

    /** PyPI's simple repository index, the default of {@code pypi:} references. */
    public static final String PYPI = "https://pypi.org/simple/";

    /** Maven Central, the default repository of {@code maven:} references. */
    public static final String MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2/";

    /** Default Hugging Face Hub endpoint. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    /** Validates and copies the components. */
    public HubSettings {
        proxies = List.copyOf(proxies);
    }

    /** The settings of this process. */
    public static HubSettings fromEnvironment() {
        return resolve(System.getProperties(), System.getenv());
    }

    /** Resolves the settings from the given properties and environment. */
    public static HubSettings resolve(Properties properties, Map<String, String> env) {
        HubtuneHome home = HubtuneHome.resolve(properties, env);
        boolean offline =
                isTrue(properties.getProperty("hubtune.offline"))
                        || isTrue(env.get("HUBTUNE_OFFLINE"))
                        || isTrue(env.get("HF_HUB_OFFLINE"));
        String endpoint =
                firstNonBlank(
                        properties.getProperty("hubtune.endpoint"),
                        env.get("HF_ENDPOINT"),
                        DEFAULT_ENDPOINT);
        if (endpoint.endsWith("/")) {
            endpoint = endpoint.substring(0, endpoint.length() - 1);
        }
        String maven =
                firstNonBlank(
                        properties.getProperty("hubtune.maven.repository"),
                        env.get("HUBTUNE_MAVEN_REPOSITORY"),
                        MAVEN_CENTRAL);
        String pypi =
                firstNonBlank(
                        properties.getProperty("hubtune.pypi.index"),
                        env.get("HUBTUNE_PYPI_INDEX"),
                        PYPI);
        boolean allowHttp =
                isTrue(properties.getProperty("hubtune.allow.http"))
                        || isTrue(env.get("HUBTUNE_ALLOW_HTTP"));
        Duration timeout =
                Duration.ofMillis(
                        Math.round(
                                1000
                                        * number(
                                                properties,
                                                env,
                                                "hubtune.http.timeout",
                                                "HUBTUNE_HTTP_TIMEOUT",
                                                HttpTransport.RetryPolicy.DEFAULT_TIMEOUT.toMillis()
                                                        / 1000.0,
                                                0.001)));
        long minSpeed =
                (long)
                        number(
                                properties,
                                env,
                                "hubtune.http.min.speed",
                                "HUBTUNE_HTTP_MIN_SPEED",
                                HttpTransport.RetryPolicy.DEFAULT_MIN_BYTES_PER_SECOND,
                                0);
        ArchiveUnpacker.Limits d = ArchiveUnpacker.Limits.DEFAULTS;
        ArchiveUnpacker.Limits limits =
                new ArchiveUnpacker.Limits(
                        (long)
                                number(
                                        properties,
                                        env,
                                        "hubtune.unpack.max.bytes",
                                        "HUBTUNE_UNPACK_MAX_BYTES",
                                        d.maxBytes(),
                                        1),
                        number(
                                properties,
                                env,
                                "hubtune.unpack.max.ratio",
                                "HUBTUNE_UNPACK_MAX_RATIO",
                                d.maxRatio(),
                                1),
                        (int)
                                number(
                                        properties,
                                        env,
                                        "hubtune.unpack.max.entries",
                                        "HUBTUNE_UNPACK_MAX_ENTRIES",
                                        d.maxEntries(),
                                        1));
        return new HubSettings(
                home,
                offline,
                endpoint,
                tokenSource(properties, env),
                proxies(properties, env),
                maven,
                allowHttp,
                timeout,
                minSpeed,
                pypi,
                limits);
    }

    /** What is allowed over plain http, in words (for {@code hubtune doctor}). */
    public String httpPolicy() {
        return allowHttp
                ? "plain http allowed, also for credentials (HUBTUNE_ALLOW_HTTP)"
                : "credentials only over https; plain http sources are used with a warning"
                        + " (loopback exempt; HUBTUNE_ALLOW_HTTP=1 allows both)";
    }

    /**
     * A number setting (property, then environment). A value that is not a number, or below {@code
     * min}, is a mistake the user should hear about but that must not make every command crash: it
     * is logged and the default used.
     */
    private static double number(
            Properties properties,
            Map<String, String> env,
            String property,
            String variable,
            double defaultValue,
            double min) {
        String name = property;
        String raw = properties.getProperty(property);
        if (raw == null || raw.isBlank()) {
            name = variable;
            raw = env.get(variable);
        }
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        try {
            double v = parseSize(raw.trim());
            if (v >= min && Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        LOG.warn(
                "{}='{}' is not a number >= {}; using the default {}",
                name,
                raw,
                min,
                defaultValue);
        return defaultValue;
    }

    /**
     * A number with an optional binary suffix: {@code 0.5}, {@code 100}, {@code 8G}, {@code 512M}.
     */
    static double parseSize(String text) {
        String t = text.toUpperCase(java.util.Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long factor = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        int shift = "KMGT".indexOf(last);
        if (shift >= 0) {
            factor = 1L << (10 * (shift + 1));
            t = t.substring(0, t.length() - 1);
        }
        return Double.parseDouble(t.trim()) * factor;
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        throw new IllegalArgumentException("no value");
    }

    /** The Hugging Face token file huggingface_hub writes on {@code huggingface-cli login}. */
    static Path tokenFile(Properties properties, Map<String, String> env) {
        String explicit = env.get("HF_TOKEN_PATH");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String hfHome = env.get("HF_HOME");
        if (hfHome != null && !hfHome.isBlank()) {
            return Path.of(hfHome, "token");
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path cache =
                xdg != null && !xdg.isBlank()
                        ? Path.of(xdg)
                        : Path.of(properties.getProperty("user.home"), ".cache");
        return cache.resolve("huggingface").resolve("token");
    }

    private static Optional<String> tokenSource(Properties properties, Map<String, String> env) {
        String token = env.get("HF_TOKEN");
        if (token != null && !token.isBlank()) {
            return Optional.of("HF_TOKEN");
        }
        Path file = tokenFile(properties, env);
        return Files.isRegularFile(file) ? Optional.of(file.toString()) : Optional.empty();
    }

    private static List<String> proxies(Properties properties, Map<String, String> env) {
        List<String> found = new ArrayList<>();
        for (String scheme : List.of("https", "http")) {
            String host = properties.getProperty(scheme + ".proxyHost");
            if (host != null && !host.isBlank()) {
                String port = properties.getProperty(scheme + ".proxyPort", "");
                found.add(
                        "-D" + scheme + ".proxyHost=" + host + (port.isEmpty() ? "" : ":" + port));
            }
        }
        String nonProxy = properties.getProperty("http.nonProxyHosts");
        if (nonProxy != null && !nonProxy.isBlank()) {
            found.add("-Dhttp.nonProxyHosts=" + nonProxy);
        }
        for (String name : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                found.add(name + "=" + redactCredentials(value));
            }
        }
        for (String name : List.of("NO_PROXY", "no_proxy")) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                found.add(name + "=" + value);
            }
        }
        return found;
    }

    /** Replaces {@code user:password@} in a proxy URL so it can be shown. */
    static String redactCredentials(String url) {
        return url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)?[^/@]+@", "$1***@");
    }

    private static boolean isTrue(String value) {
        if (value == null) {
            return false;
        }
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        return v.equals("1") || v.equals("true") || v.equals("yes") || v.equals("on");
    }
}
