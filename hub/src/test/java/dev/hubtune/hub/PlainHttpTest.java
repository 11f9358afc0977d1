package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.http.ProxyConfig;
import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.FakeHub.File;
import dev.hubtune.hub.testing.PullMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain http to another machine: a token is never sent, the source gets a warning, and {@code
 * HUBTUNE_ALLOW_HTTP=1} opts in. The "other machine" is a name the fake hub answers for as an HTTP
 * proxy on 127.0.0.1, so the client really talks http to a non-loopback host name.
 */
class PlainHttpTest {

    private static final String REMOTE = "http://hub.example.test";

    @TempDir Path tmp;
    private Path cache;
    private FakeHub server;
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("hub");
        server = new FakeHub();
        server.publish(
                "acme/m",
                "main",
                Map.of(
                        "config.json", new File("{}".getBytes(StandardCharsets.UTF_8), false),
                        "model.safetensors", new File(new byte[3000], true)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Hub hub(Optional<String> token, Map<String, String> env) {
        String proxy = server.endpoint();
        return PullMain.builder(cache, REMOTE, env)
                .optToken(token)
                // The fake hub is the proxy for hub.example.test; its CDN (127.0.0.1) is direct.
                .optProxies(ProxyConfig.of(Map.of("HTTP_PROXY", proxy, "NO_PROXY", "127.0.0.1")))
                .optListener(
                        new PullListener() {
                            @Override
                            public void warning(String message) {
                                warnings.add(message);
                            }
                        })
                .build();
    }

    @Test
    void aTokenIsNeverSentOverPlainHttpToAnotherHost() {
        InsecureTransportException e =
                assertThrows(
                        InsecureTransportException.class,
                        () -> hub(Optional.of("hf_secret"), Map.of()).pull("hf:acme/m"));
        assertTrue(
                e.getMessage().contains("hub.example.test:80")
                        && e.getMessage().contains("https://")
                        && e.getMessage().contains("HUBTUNE_ALLOW_HTTP=1"),
                e.getMessage());
        assertEquals(List.of(), server.seen(), "nothing may be sent, token or not");
    }

    @Test
    void aPlainHttpSourceWorksWithAWarning() throws Exception {
        ModelDir dir = hub(Optional.empty(), Map.of()).pull("hf:acme/m");
        assertEquals(2, dir.files().size());
        assertTrue(
                server.seen().stream()
                        .anyMatch(s -> "hub.example.test".equals(s.headers().get("host"))),
                "the request went to the named host through the proxy: " + server.seen());
        assertEquals(1, warnings.size(), "one warning per host: " + warnings);
        assertTrue(warnings.get(0).contains("plain http to hub.example.test:80"), warnings.get(0));
    }

    @Test
    void theOptInAllowsTokensAndSilencesTheWarning() throws Exception {
        Hub hub = hub(Optional.of("hf_secret"), Map.of("HUBTUNE_ALLOW_HTTP", "1"));
        hub.pull("hf:acme/m");
        assertTrue(
                server.seen().stream()
                        .filter(s -> s.server().equals("hub"))
                        .allMatch(
                                s -> "Bearer hf_secret".equals(s.headers().get("authorization"))));
        assertEquals(List.of(), warnings);
    }

    @Test
    void thePolicyIsInTheSettingsForDoctor() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user.home", "/home/u");
        HubSettings strict = HubSettings.resolve(p, Map.of());
        assertFalse(strict.allowHttp());
        assertTrue(
                strict.httpPolicy().contains("credentials only over https"), strict.httpPolicy());
        HubSettings open = HubSettings.resolve(p, Map.of("HUBTUNE_ALLOW_HTTP", "true"));
        assertTrue(open.allowHttp());
        assertTrue(open.httpPolicy().contains("HUBTUNE_ALLOW_HTTP"), open.httpPolicy());
    }
}
