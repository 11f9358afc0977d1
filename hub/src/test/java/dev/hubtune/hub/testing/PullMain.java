package dev.hubtune.hub.testing;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.HubSettings;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.hub.http.HttpTransport;
import dev.hubtune.hub.http.ProxyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/** A child JVM that pulls one reference: {@code PullMain <cache> <endpoint> <ref>}. */
public final class PullMain {
    private PullMain() {}

    /** Pulls and prints the model directory. */
    public static void main(String[] args) throws Exception {
        System.out.println("started");
        System.out.flush();
        ModelDir dir = hub(Path.of(args[0]), args[1]).pull(args[2]);
        System.out.println(dir.path());
    }

    /** A hermetic hub for tests: no environment, fast retries. */
    public static Hub hub(Path cache, String endpoint) {
        return builder(cache, endpoint, Map.of()).build();
    }

    /**
     * A hermetic hub builder for tests: settings from {@code env} only, fast retries, no token, no
     * proxy; the hubtune home is a sibling of the cache ({@code <cache>.home}), never inside it.
     */
    public static Hub.Builder builder(Path cache, String endpoint, Map<String, String> env) {
        Properties props = new Properties();
        props.setProperty("user.home", cache.toString());
        props.setProperty(
                "hubtune.home", cache.resolveSibling(cache.getFileName() + ".home").toString());
        return Hub.builder()
                .optSettings(HubSettings.resolve(props, env))
                .optCacheDir(cache)
                .optEndpoint(endpoint)
                .optMavenRepository(endpoint + "/maven2/")
                .optPypiIndex(endpoint + "/simple/")
                .optToken(Optional.empty())
                .optOffline(false)
                .optProxies(ProxyConfig.of(Map.of()))
                .optRetryPolicy(fastRetries());
    }

    /** 4 attempts 10 ms apart, 2 s to connect, 10 s of silence. */
    public static HttpTransport.RetryPolicy fastRetries() {
        return new HttpTransport.RetryPolicy(
                4,
                Duration.ofMillis(10),
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                Duration.ofSeconds(10));
    }
}
