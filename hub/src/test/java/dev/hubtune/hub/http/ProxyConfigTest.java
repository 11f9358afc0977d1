package dev.hubtune.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {

    @Test
    void environmentProxiesFollowCurlsRules() {
        ProxyConfig config =
                ProxyConfig.of(
                        Map.of(
                                "HTTPS_PROXY", "http://user:pw@proxy.corp:3128",
                                "NO_PROXY", "localhost,.internal.corp,127.0.0.1"));
        Proxy p = config.select(URI.create("https://huggingface.co/api/models/x"));
        assertEquals(Proxy.Type.HTTP, p.type());
        InetSocketAddress address = (InetSocketAddress) p.address();
        assertEquals("proxy.corp", address.getHostString());
        assertEquals(3128, address.getPort());
        assertEquals(Proxy.NO_PROXY, config.select(URI.create("https://mirror.internal.corp/x")));
        assertEquals(Proxy.NO_PROXY, config.select(URI.create("http://127.0.0.1:8080/x")));
        assertEquals(
                Proxy.NO_PROXY,
                config.select(URI.create("http://plain.example/x")),
                "no HTTP_PROXY set");
        assertEquals(
                Proxy.NO_PROXY,
                ProxyConfig.of(Map.of()).select(URI.create("https://huggingface.co")));
    }

    @Test
    void noProxyMatching() {
        assertTrue(ProxyConfig.bypass("a.b.corp", "corp"));
        assertTrue(ProxyConfig.bypass("a.b.corp", ".b.corp"));
        assertTrue(ProxyConfig.bypass("anything", "*"));
        assertTrue(ProxyConfig.bypass("host", "host:8080"));
        assertFalse(ProxyConfig.bypass("notcorp", "corp"));
        assertFalse(ProxyConfig.bypass("x", ""));
    }

    @Test
    void retryAfterInSecondsOrAsADate() {
        assertEquals(Duration.ofSeconds(3), HttpTransport.parseRetryAfter("3").orElseThrow());
        assertEquals(
                Duration.ZERO,
                HttpTransport.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").orElseThrow());
        assertTrue(HttpTransport.parseRetryAfter("soon").isEmpty());
    }

    @Test
    void sameOriginComparesSchemeHostAndPort() {
        assertTrue(
                HttpTransport.sameOrigin(
                        URI.create("https://hf.co/a"), URI.create("https://HF.co:443")));
        assertFalse(
                HttpTransport.sameOrigin(
                        URI.create("https://hf.co/a"), URI.create("https://cdn.hf.co/a")));
        assertFalse(
                HttpTransport.sameOrigin(
                        URI.create("http://127.0.0.1:1/a"), URI.create("http://127.0.0.1:2/a")));
    }
}
