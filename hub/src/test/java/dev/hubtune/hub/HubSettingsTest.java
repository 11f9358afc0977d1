package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubSettingsTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        p.setProperty("user.home", "/home/u");
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void homeFollowsPropertyThenEnvThenXdgThenDefault() {
        assertEquals(
                Path.of("/p"),
                HubtuneHome.resolve(props("hubtune.home", "/p"), Map.of("HUBTUNE_HOME", "/e"))
                        .root());
        assertEquals(
                Path.of("/e"),
                HubtuneHome.resolve(props(), Map.of("HUBTUNE_HOME", "/e", "XDG_CACHE_HOME", "/x"))
                        .root());
        assertEquals(
                Path.of("/x/hubtune"),
                HubtuneHome.resolve(props(), Map.of("XDG_CACHE_HOME", "/x")).root());
        HubtuneHome fallback = HubtuneHome.resolve(props(), Map.of("HUBTUNE_HOME", "  "));
        assertEquals(Path.of("/home/u/.cache/hubtune"), fallback.root());
        assertEquals("default", fallback.source());
        assertEquals(Path.of("/home/u/.cache/hubtune/natives"), fallback.natives());
    }

    @Test
    void nativesFollowTheirOwnPropertyThenEnvThenTheHome() {
        Map<String, String> env = Map.of("HUBTUNE_HOME", "/e", "HUBTUNE_NATIVES", "/n-env");
        assertEquals(
                Path.of("/n-prop"),
                HubtuneHome.resolve(props("hubtune.natives", "/n-prop"), env).natives());
        assertEquals(Path.of("/n-env"), HubtuneHome.resolve(props(), env).natives());
        assertEquals(Path.of("/e"), HubtuneHome.resolve(props(), env).root(), "the home stays put");
        assertEquals(
                Path.of("/e/natives"),
                HubtuneHome.resolve(props(), Map.of("HUBTUNE_HOME", "/e", "HUBTUNE_NATIVES", " "))
                        .natives());
    }

    @Test
    void offlineHonoursBothVariables() {
        assertTrue(HubSettings.resolve(props(), Map.of("HUBTUNE_OFFLINE", "1")).offline());
        assertTrue(HubSettings.resolve(props(), Map.of("HF_HUB_OFFLINE", "true")).offline());
        assertFalse(HubSettings.resolve(props(), Map.of("HF_HUB_OFFLINE", "0")).offline());
        assertFalse(HubSettings.resolve(props(), Map.of()).offline());
    }

    @Test
    void endpointDefaultsToHuggingFaceAndDropsTrailingSlash() {
        assertEquals("https://huggingface.co", HubSettings.resolve(props(), Map.of()).endpoint());
        assertEquals(
                "http://127.0.0.1:9000",
                HubSettings.resolve(props(), Map.of("HF_ENDPOINT", "http://127.0.0.1:9000/"))
                        .endpoint());
    }

    @Test
    void tokenSourceIsNamedNeverTheToken(@TempDir Path dir) throws Exception {
        HubSettings fromEnv = HubSettings.resolve(props(), Map.of("HF_TOKEN", "hf_secret"));
        assertEquals(Optional.of("HF_TOKEN"), fromEnv.tokenSource());
        assertFalse(fromEnv.toString().contains("hf_secret"));

        Files.writeString(dir.resolve("token"), "hf_secret\n");
        HubSettings fromFile = HubSettings.resolve(props(), Map.of("HF_HOME", dir.toString()));
        assertEquals(Optional.of(dir.resolve("token").toString()), fromFile.tokenSource());
        assertEquals(
                Optional.empty(),
                HubSettings.resolve(props(), Map.of("HF_HOME", dir.resolve("none").toString()))
                        .tokenSource());
    }

    @Test
    void proxiesAreListedWithCredentialsRedacted() {
        HubSettings s =
                HubSettings.resolve(
                        props("https.proxyHost", "proxy.corp", "https.proxyPort", "3128"),
                        Map.of(
                                "HTTPS_PROXY", "http://alice:pw@proxy.corp:3128",
                                "NO_PROXY", "localhost,127.0.0.1"));
        assertEquals(
                java.util.List.of(
                        "-Dhttps.proxyHost=proxy.corp:3128",
                        "HTTPS_PROXY=http://***@proxy.corp:3128",
                        "NO_PROXY=localhost,127.0.0.1"),
                s.proxies());
    }

    @Test
    void timeoutsSpeedUnpackLimitsAndIndexComeFromTheEnvironmentWithOneDefaultEach() {
        HubSettings d = HubSettings.resolve(props(), Map.of());
        assertEquals(
                dev.hubtune.hub.http.HttpTransport.RetryPolicy.DEFAULT_TIMEOUT, d.httpTimeout());
        assertEquals(
                dev.hubtune.hub.http.HttpTransport.RetryPolicy.DEFAULT_MIN_BYTES_PER_SECOND,
                d.httpMinBytesPerSecond());
        assertEquals(dev.hubtune.hub.cache.ArchiveUnpacker.Limits.DEFAULTS, d.unpackLimits());
        assertEquals(HubSettings.PYPI, d.pypiIndex());
        HubSettings s =
                HubSettings.resolve(
                        props("hubtune.http.timeout", "0.25"),
                        Map.of(
                                "HUBTUNE_HTTP_TIMEOUT", "99",
                                "HUBTUNE_HTTP_MIN_SPEED", "0",
                                "HUBTUNE_UNPACK_MAX_BYTES", "2G",
                                "HUBTUNE_UNPACK_MAX_RATIO", "20",
                                "HUBTUNE_UNPACK_MAX_ENTRIES", "10",
                                "HUBTUNE_PYPI_INDEX", "https://mirror.corp/pypi/simple/"));
        assertEquals(java.time.Duration.ofMillis(250), s.httpTimeout(), "the property wins");
        assertEquals(0, s.httpMinBytesPerSecond());
        assertEquals(
                new dev.hubtune.hub.cache.ArchiveUnpacker.Limits(2L << 30, 20, 10),
                s.unpackLimits());
        assertEquals("https://mirror.corp/pypi/simple/", s.pypiIndex());
        // A typo is logged and the default used: no command should crash on it.
        assertEquals(
                d.httpTimeout(),
                HubSettings.resolve(props(), Map.of("HUBTUNE_HTTP_TIMEOUT", "ten")).httpTimeout());
    }
}
