package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class DoctorCommandTest {

    @Test
    void reportsTensorFlowOnCpuAndExitsZero() {
        CliRunner r = CliRunner.run("doctor");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("2.18.0 (CPU"), r.out());
        assertTrue(r.out().contains("device:CPU:0"), r.out());
        assertTrue(r.out().contains("hubtune-home"), "the test home is reported: " + r.out());
        assertTrue(r.out().matches("(?s).*offline\\s+(yes|no).*"), r.out());
    }

    @Test
    void jsonReportIsMachineReadable() {
        CliRunner r = CliRunner.run("doctor", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertTrue(json.get("ok").getAsBoolean());
        assertTrue(json.get("tensorflow").getAsString().startsWith("2.18.0"));
        assertTrue(json.getAsJsonArray("devices").size() >= 1);
        assertTrue(json.get("tokenizers").getAsString().contains("0.36"), r.out());
        assertTrue(
                json.getAsJsonArray("http").get(0).getAsString().contains("HUBTUNE_ALLOW_HTTP"),
                r.out());
        assertEquals("https://pypi.org/simple/", json.get("pypi").getAsString(), r.out());
    }

    @Test
    void versionAndHelpWork() {
        CliRunner version = CliRunner.run("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().startsWith("hubtune "), version.out());
        CliRunner help = CliRunner.run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("doctor"), help.out());
    }

    @Test
    void anUnknownCommandIsAUserErrorThatSaysSo() {
        CliRunner r = CliRunner.run("doktor");
        assertEquals(Hubtune.EXIT_USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("doktor"), r.err());
    }

    @Test
    void humanSizes() {
        assertEquals("512 B", DoctorCommand.humanSize(512));
        assertEquals("1.5 KB", DoctorCommand.humanSize(1536));
        assertEquals("456.0 MB", DoctorCommand.humanSize(456L << 20));
    }
}
