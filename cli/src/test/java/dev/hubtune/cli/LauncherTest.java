package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code ./hubtune} launcher runs the packaged jar in a new JVM with a fresh home,
 * as a new user would. Runs after {@code package} (the {@code slow} execution), so the jar exists.
 */
@Tag("slow")
class LauncherTest {

    @Test
    void doctorOnAFreshHomeReportsTensorFlowOnCpu(@TempDir Path home) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path launcher = root.resolve("hubtune");
        assertTrue(Files.isExecutable(launcher), launcher + " must be executable");
        Path output = home.resolveSibling(home.getFileName() + "-out.txt");
        ProcessBuilder pb =
                new ProcessBuilder(launcher.toString(), "doctor")
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
        pb.environment().put("HUBTUNE_HOME", home.toString());
        pb.environment().remove("HF_TOKEN");
        Process p = pb.start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "launcher hangs");
        String out = Files.readString(output, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("2.10.1 (CPU"), out);
        assertTrue(out.contains("from HUBTUNE_HOME"), out);
        assertTrue(Files.isDirectory(home.resolve("natives")), "natives extracted into the home");
        Files.deleteIfExists(output);
    }
}
