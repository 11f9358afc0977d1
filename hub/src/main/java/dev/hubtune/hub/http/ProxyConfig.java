package dev.hubtune.hub.http;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses the proxy for a URI. JVM proxy properties ({@code https.proxyHost}, …) win, as Java users
 * expect; otherwise {@code HTTPS_PROXY}/{@code HTTP_PROXY} with {@code NO_PROXY} from the
 * environment, as curl and Python tools do.
 */
public final class ProxyConfig {

    private final Map<String, String> env;
    private final boolean jvmProperties;

    private ProxyConfig(Map<String, String> env, boolean jvmProperties) {
        this.env = Map.copyOf(env);
        this.jvmProperties = jvmProperties;
    }

    /** The proxy settings of this process. */
    public static ProxyConfig fromEnvironment() {
        boolean props =
                System.getProperty("https.proxyHost") != null
                        || System.getProperty("http.proxyHost") != null
                        || Boolean.getBoolean("java.net.useSystemProxies");
        return new ProxyConfig(System.getenv(), props);
    }

    /** Settings from an explicit environment (tests), ignoring JVM properties. */
    public static ProxyConfig of(Map<String, String> env) {
        return new ProxyConfig(env, false);
    }

    /** The proxy to use for {@code uri}; {@link Proxy#NO_PROXY} for a direct connection. */
    public Proxy select(URI uri) {
        if (jvmProperties) {
            List<Proxy> proxies = ProxySelector.getDefault().select(uri);
            return proxies.isEmpty() ? Proxy.NO_PROXY : proxies.get(0);
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (bypass(host, first("NO_PROXY", "no_proxy"))) {
            return Proxy.NO_PROXY;
        }
        String value =
                "https".equalsIgnoreCase(uri.getScheme())
                        ? first("HTTPS_PROXY", "https_proxy")
                        : first("HTTP_PROXY", "http_proxy");
        if (value == null || value.isBlank()) {
            return Proxy.NO_PROXY;
        }
        URI proxy = URI.create(value.contains("://") ? value : "http://" + value);
        int port = proxy.getPort() > 0 ? proxy.getPort() : 80;
        return new Proxy(
                Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHost(), port));
    }

    private String first(String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /**
     * curl's NO_PROXY rules: {@code *}, exact hosts, and domain suffixes ({@code .corp}, {@code
     * corp}).
     */
    static boolean bypass(String host, String noProxy) {
        if (noProxy == null || noProxy.isBlank()) {
            return false;
        }
        for (String raw : noProxy.split(",")) {
            String entry = raw.trim().toLowerCase(Locale.ROOT);
            int colon = entry.lastIndexOf(':');
            if (colon > 0 && entry.indexOf(':') == colon) {
                entry = entry.substring(0, colon); // host:port -> host
            }
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                return true;
            }
            String suffix = entry.startsWith(".") ? entry.substring(1) : entry;
            if (host.equals(suffix) || host.endsWith("." + suffix)) {
                return true;
            }
        }
        return false;
    }
}
