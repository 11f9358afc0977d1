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
        assertTrue(out.contains("2.18.0 (CPU"), out);
        assertTrue(out.contains("from HUBTUNE_HOME"), out);
        assertTrue(Files.isDirectory(home.resolve("natives")), "natives extracted into the home");
        Files.deleteIfExists(output);
    }

    @Test
    void quickstartOnAFreshHomeThenPredictInANewProcess(@TempDir Path home) throws Exception {
        String quickstart = launch(home, "quickstart", "--quiet");
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("validation accuracy ([0-9.]+)%")
                        .matcher(quickstart);
        assertTrue(m.find(), quickstart);
        assertTrue(Double.parseDouble(m.group(1)) >= 90, quickstart);
        Path model = home.resolve("quickstart/run/model");
        assertTrue(Files.isRegularFile(model.resolve("model.safetensors")), quickstart);
        String predicted =
                launch(home, "predict", model.toString(), "I was charged twice for my order");
        assertTrue(predicted.trim().startsWith("billing"), predicted);
        for (String out : new String[] {quickstart, predicted}) {
            assertTrue(
                    !out.contains("absl::InitializeLog") && !out.contains("I0000 "),
                    "TensorFlow's native info log stays off the terminal: " + out);
        }
    }

    private static String launch(Path home, String... args) throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(root.resolve("hubtune").toString());
        command.addAll(java.util.List.of(args));
        Path output = Files.createTempFile("hubtune-launch", ".txt");
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .redirectOutput(output.toFile());
        pb.environment().put("HUBTUNE_HOME", home.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "hubtune " + String.join(" ", args) + " hangs");
        String out = Files.readString(output, StandardCharsets.UTF_8);
        Files.deleteIfExists(output);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
