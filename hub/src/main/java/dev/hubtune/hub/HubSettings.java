package dev.hubtune.hub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The hub-related settings in effect for this process: offline mode, the Hugging Face endpoint,
 * where an access token would come from, and proxies. Secrets are never stored here, only where
 * they come from.
 *
 * @param home the hubtune home
 * @param offline true when {@code HUBTUNE_OFFLINE} or {@code HF_HUB_OFFLINE} is set to a true value
 * @param endpoint the Hugging Face endpoint ({@code HF_ENDPOINT}, default {@code
 *     https://huggingface.co})
 * @param tokenSource where a Hugging Face token was found ({@code HF_TOKEN} or a file path), if any
 * @param proxies the proxy settings in effect, with any credentials redacted
 * @param mavenRepository the Maven repository for {@code maven:} references ({@code
 *     HUBTUNE_MAVEN_REPOSITORY}, default Maven Central)
 */
public record HubSettings(
        HubtuneHome home,
        boolean offline,
        String endpoint,
        Optional<String> tokenSource,
        List<String> proxies,
        String mavenRepository) {

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
        return new HubSettings(
                home,
                offline,
                endpoint,
                tokenSource(properties, env),
                proxies(properties, env),
                maven);
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
