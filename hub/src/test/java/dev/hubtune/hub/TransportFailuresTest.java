package dev.hubtune.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.hub.NetworkException.Kind;
import dev.hubtune.hub.http.HttpTransport;
import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.FakeHub.File;
import dev.hubtune.hub.testing.PullMain;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the transport does when the network or the server misbehaves, against real sockets on
 * 127.0.0.1: permanent failures fail at once with their real cause, stalls and drips fail within
 * the configured timeouts, and nothing is claimed that is not on disk.
 */
class TransportFailuresTest {

    @TempDir Path tmp;
    private Path cache;
    private FakeHub server;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final PullListener recorder =
            new PullListener() {
                @Override
                public void warning(String message) {
                    warnings.add(message);
                }
            };

    @BeforeEach
    void start() throws Exception {
        cache = tmp.resolve("hub");
        server = new FakeHub();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Retries a second apart: a retried failure would take at least that long. */
    /**
     * Retries that would first wait 4 s: a failure that must not be retried is over well before (a
     * bound of 3 s stays robust on a loaded 2-core machine, where one attempt took 1.4 s).
     */
    private static HttpTransport.RetryPolicy patientRetries(Duration timeout) {
        return new HttpTransport.RetryPolicy(
                5, Duration.ofSeconds(4), Duration.ofSeconds(8), timeout, timeout, 1024);
    }

    private static HttpTransport.RetryPolicy slowRetries(Duration timeout, long minBytesPerSecond) {
        return new HttpTransport.RetryPolicy(
                5,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                timeout,
                timeout,
                minBytesPerSecond);
    }

    private Hub hub(String endpoint, HttpTransport.RetryPolicy policy) {
        return PullMain.builder(cache, endpoint, Map.of())
                .optRetryPolicy(policy)
                .optListener(recorder)
                .build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void assertOneLine(String message) {
        assertFalse(message.contains("\n"), "not one line: " + message);
    }

    @Test
    void connectionRefusedFailsAtOnceWithoutRetries() throws Exception {
        String dead = "http://127.0.0.1:" + freePort();
        Hub hub = hub(dead, patientRetries(Duration.ofSeconds(2)));
        long start = System.nanoTime();
        NetworkException api = assertThrows(NetworkException.class, () -> hub.pull("hf:acme/x"));
        NetworkException file =
                assertThrows(NetworkException.class, () -> hub.pull(dead + "/files/model.bin"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 3000, "a refused connection was retried: " + ms + " ms");
        for (NetworkException e : List.of(api, file)) {
            assertEquals(Kind.CONNECTION_REFUSED, e.kind());
            assertTrue(e.getMessage().contains("connection refused by 127.0.0.1"), e.getMessage());
            assertOneLine(e.getMessage());
        }
        // Nothing was received, so nothing may be claimed as kept for resuming.
        assertTrue(file.getMessage().contains("Nothing was kept"), file.getMessage());
        assertFalse(file.getMessage().contains("resume"), file.getMessage());
    }

    @Test
    void anUntrustedCertificateIsOneAttemptAndNamesTheTrustStore() throws Exception {
        try (TlsServer tls = new TlsServer(tmp)) {
            long start = System.nanoTime();
            NetworkException e =
                    assertThrows(
                            NetworkException.class,
                            () ->
                                    hub(tls.url(), patientRetries(Duration.ofSeconds(5)))
                                            .pull("hf:acme/x"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Kind.TLS, e.kind());
            assertTrue(e.getMessage().contains("-Djavax.net.ssl.trustStore="), e.getMessage());
            assertTrue(e.getMessage().contains("TLS connection to 127.0.0.1"), e.getMessage());
            assertOneLine(e.getMessage());
            assertEquals(1, tls.connections(), "a TLS failure is not retried");
            assertTrue(ms < 3000, "took " + ms + " ms");
        }
        // A plain http server behind an https URL is a TLS failure too, not a retried mystery.
        try (ServerSocket plainHttp = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread answer =
                    new Thread(
                            () -> {
                                try (java.net.Socket s = plainHttp.accept()) {
                                    s.getOutputStream()
                                            .write(
                                                    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                                                            .getBytes(StandardCharsets.US_ASCII));
                                } catch (IOException ignored) {
                                    // the test is over
                                }
                            });
            answer.setDaemon(true);
            answer.start();
            NetworkException plain =
                    assertThrows(
                            NetworkException.class,
                            () ->
                                    hub(
                                                    "https://127.0.0.1:" + plainHttp.getLocalPort(),
                                                    slowRetries(Duration.ofSeconds(5), 1024))
                                            .pull("hf:acme/x"));
            assertEquals(Kind.TLS, plain.kind(), plain.getMessage());
        }
    }

    @Test
    void aRedirectLoopIsOneAttempt() throws Exception {
        server.route(
                "/files/loop.bin",
                ex -> {
                    ex.getResponseHeaders().set("Location", "/files/loop.bin");
                    ex.sendResponseHeaders(302, -1);
                });
        long start = System.nanoTime();
        NetworkException e =
                assertThrows(
                        NetworkException.class,
                        () ->
                                hub(server.endpoint(), slowRetries(Duration.ofSeconds(5), 1024))
                                        .pull(server.endpoint() + "/files/loop.bin"));
        assertEquals(Kind.REDIRECT, e.kind());
        assertTrue(e.getMessage().contains("redirect loop"), e.getMessage());
        assertOneLine(e.getMessage());
        long requests =
                server.seen().stream().filter(s -> s.path().equals("/files/loop.bin")).count();
        assertEquals(11, requests, "one attempt: the first request and 10 redirects");
        assertTrue((System.nanoTime() - start) / 1_000_000 < 900);
    }

    @Test
    void aRedirectToAFileUrlIsAOneLineHubException() throws Exception {
        server.route(
                "/files/model.bin",
                ex -> {
                    ex.getResponseHeaders().set("Location", "file:///etc/passwd");
                    ex.sendResponseHeaders(302, -1);
                });
        NetworkException e =
                assertThrows(
                        NetworkException.class,
                        () ->
                                PullMain.hub(cache, server.endpoint())
                                        .pull(server.endpoint() + "/files/model.bin"));
        assertEquals(Kind.REDIRECT, e.kind());
        assertTrue(e.getMessage().contains("file:///etc/passwd"), e.getMessage());
        assertTrue(e.getMessage().contains("http(s) URLs only"), e.getMessage());
        assertOneLine(e.getMessage());
    }

    @Test
    void aStalledServerFailsWithinTheTimeoutAndOnlyRealBytesAreClaimed() throws Exception {
        server.route(
                "/files/stall.bin",
                ex -> {
                    ex.sendResponseHeaders(200, 1000);
                    OutputStream out = ex.getResponseBody();
                    out.write(new byte[10]);
                    out.flush();
                    sleep(3000); // then silence
                });
        HttpTransport.RetryPolicy quick =
                new HttpTransport.RetryPolicy(
                        2,
                        Duration.ofMillis(10),
                        Duration.ofMillis(50),
                        Duration.ofMillis(300),
                        Duration.ofMillis(300),
                        0);
        long start = System.nanoTime();
        NetworkException e =
                assertThrows(
                        NetworkException.class,
                        () ->
                                hub(server.endpoint(), quick)
                                        .pull(server.endpoint() + "/files/stall.bin"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Kind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().contains("no data from 127.0.0.1"), e.getMessage());
        assertTrue(e.getMessage().contains("HUBTUNE_HTTP_TIMEOUT"), e.getMessage());
        assertTrue(ms < 2500, "two attempts of 0.3 s took " + ms + " ms");
        assertOneLine(e.getMessage());
        // The message claims the bytes that are really kept, and where.
        Matcher kept = Pattern.compile("(\\d+) bytes are kept in (\\S+);").matcher(e.getMessage());
        assertTrue(kept.find(), e.getMessage());
        assertEquals(Long.parseLong(kept.group(1)), Files.size(Path.of(kept.group(2))));
    }

    @Test
    void aServerDrippingBytesFailsOnTheMinimumThroughput() throws Exception {
        server.route(
                "/files/drip.bin",
                ex -> {
                    ex.sendResponseHeaders(200, 100_000);
                    OutputStream out = ex.getResponseBody();
                    for (int i = 0; i < 200; i++) { // bounded: at most 10 s
                        out.write('x');
                        out.flush();
                        sleep(50);
                    }
                });
        HttpTransport.RetryPolicy quick =
                new HttpTransport.RetryPolicy(
                        2,
                        Duration.ofMillis(10),
                        Duration.ofMillis(50),
                        Duration.ofMillis(300),
                        Duration.ofMillis(300),
                        1000);
        long start = System.nanoTime();
        NetworkException e =
                assertThrows(
                        NetworkException.class,
                        () ->
                                hub(server.endpoint(), quick)
                                        .pull(server.endpoint() + "/files/drip.bin"));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Kind.STALLED, e.kind());
        assertTrue(
                e.getMessage().contains("slower than the minimum of 1000 bytes/s"), e.getMessage());
        assertTrue(ms < 2500, "took " + ms + " ms");
        assertOneLine(e.getMessage());
    }

    @Test
    void aMirrorEndpointKeepsItsPathPrefix() throws Exception {
        byte[] weights = "w".repeat(5000).getBytes(StandardCharsets.UTF_8);
        server.publish(
                "acme/m",
                "main",
                Map.of(
                        "config.json", new File("{}".getBytes(StandardCharsets.UTF_8), false),
                        "model.safetensors", new File(weights, true)));
        server.pathPrefix = "/hf";
        ModelDir dir = PullMain.hub(cache, server.endpoint() + "/hf/").pull("hf:acme/m");
        assertArrayEquals(weights, Files.readAllBytes(dir.path().resolve("model.safetensors")));
        List<FakeHub.Seen> hub =
                server.seen().stream().filter(s -> s.server().equals("hub")).toList();
        assertFalse(hub.isEmpty());
        assertTrue(hub.stream().allMatch(s -> s.path().startsWith("/hf/")), hub.toString());
    }

    @Test
    void aFullDiskIsNotRetriedAndSaysToRunGcIncomplete() throws Exception {
        Path full = Path.of("/dev/full"); // Linux: every write fails with ENOSPC
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(full));
        byte[] weights = "w".repeat(70_000).getBytes(StandardCharsets.UTF_8);
        server.publish("acme/full", "main", Map.of("model.safetensors", new File(weights, true)));
        String sha256 =
                java.util.HexFormat.of()
                        .formatHex(
                                java.security.MessageDigest.getInstance("SHA-256").digest(weights));
        // The download's partial file is the full device, so the disk really answers ENOSPC.
        Path blobs = Files.createDirectories(cache.resolve("models--acme--full/blobs"));
        Files.createSymbolicLink(blobs.resolve(sha256 + ".incomplete"), full);
        HubException e =
                assertThrows(
                        HubException.class,
                        () -> PullMain.hub(cache, server.endpoint()).pull("hf:acme/full"));
        assertTrue(e.getMessage().contains("the disk is full"), e.getMessage());
        assertTrue(e.getMessage().contains("'hubtune gc --incomplete'"), e.getMessage());
        assertOneLine(e.getMessage());
        long gets =
                server.seen().stream().filter(s -> s.path().endsWith("/model.safetensors")).count();
        assertEquals(1, gets, "a full disk is not retried: " + server.seen());
    }

    @Test
    void aMalformedListingIsAOneLineHubException() throws Exception {
        String[] bad = {
            "{\"sha\":\""
                    + "a".repeat(40)
                    + "\",\"siblings\":[{\"rfilename\":\"model.bin\",\"size\":\"12MB\"}]}",
            "{\"sha\":\""
                    + "a".repeat(40)
                    + "\",\"siblings\":[{\"rfilename\":\"config.json\",\"size\":2,\"blobId\":\"not-hex\"}]}",
            "{\"sha\":\""
                    + "a".repeat(40)
                    + "\",\"siblings\":[{\"rfilename\":\"m.bin\",\"lfs\":{\"sha256\":\"zz\",\"size\":1}}]}",
            "{\"sha\":\"" + "a".repeat(40) + "\",\"siblings\":{\"rfilename\":\"m.bin\"}}",
        };
        String[] expected = {
            "size \"12MB\", not a number", "git blob id 'not-hex'", "sha256 'zz'", "not a list"
        };
        for (int i = 0; i < bad.length; i++) {
            byte[] body = bad[i].getBytes(StandardCharsets.UTF_8);
            server.route(
                    "/api/models/acme/bad/revision/main",
                    ex -> {
                        ex.sendResponseHeaders(200, body.length);
                        ex.getResponseBody().write(body);
                    });
            HubException e =
                    assertThrows(
                            HubException.class,
                            () -> PullMain.hub(cache, server.endpoint()).pull("hf:acme/bad"));
            assertTrue(
                    e.getMessage().contains("is malformed") && e.getMessage().contains(expected[i]),
                    e.getMessage());
            assertOneLine(e.getMessage());
        }
    }

    @Test
    void badUrlsAndEndpointsAreOneLineErrorsThatSayWhatIsWrong() throws Exception {
        InvalidReferenceException space =
                assertThrows(
                        InvalidReferenceException.class,
                        () -> ModelRef.parse("https://example.org/my model.zip"));
        assertTrue(space.getMessage().contains("%20"), space.getMessage());
        InvalidReferenceException noHost =
                assertThrows(
                        InvalidReferenceException.class,
                        () -> ModelRef.parse("https:///model.zip"));
        assertTrue(noHost.getMessage().contains("has no host name"), noHost.getMessage());
        InvalidReferenceException underscore =
                assertThrows(
                        InvalidReferenceException.class,
                        () -> ModelRef.parse("https://my_host/model.zip"));
        assertTrue(
                underscore.getMessage().contains("'my_host' is not one"), underscore.getMessage());

        Hub fromSettings =
                Hub.builder()
                        .optSettings(
                                HubSettings.resolve(
                                        props(), Map.of("HF_ENDPOINT", "https://hf mirror.corp")))
                        .optCacheDir(cache)
                        .optToken(java.util.Optional.empty())
                        .optOffline(false)
                        .build();
        InvalidReferenceException endpoint =
                assertThrows(InvalidReferenceException.class, () -> fromSettings.pull("hf:acme/x"));
        assertTrue(endpoint.getMessage().contains("HF_ENDPOINT"), endpoint.getMessage());
        for (InvalidReferenceException e : List.of(space, noHost, underscore, endpoint)) {
            assertOneLine(e.getMessage());
        }
    }

    private java.util.Properties props() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user.home", tmp.toString());
        p.setProperty("hubtune.home", tmp.resolve("home").toString());
        return p;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
