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
}
