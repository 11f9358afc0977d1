package dev.hubtune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU check script's program on a CPU machine: without a GPU it says why and succeeds; with
 * {@code --allow-cpu} it runs every check on the CPU, so the script cannot rot between the rare
 * runs on a GPU machine.
 */
@Tag("slow")
class GpuCheckTest {

    @Test
    void withoutAGpuItSaysWhyAndWithAllowCpuItRunsEveryCheck(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int skipped =
                GpuCheck.run(
                        new String[] {dir.resolve("a").toString()},
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, skipped, out);
        assertTrue(out.contains("skipped: no GPU visible"), out);

        bytes.reset();
        int ran =
                GpuCheck.run(
                        new String[] {"--allow-cpu", "--steps", "3", dir.resolve("b").toString()},
                        new PrintStream(bytes, true, StandardCharsets.UTF_8));
        out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, ran, out);
        assertTrue(out.contains("% of the traced step's op time on CPU"), out);
        for (String variant : new String[] {"plain", "mixed-precision", "xla"}) {
            assertTrue(out.matches("(?s).*train " + variant + " +[0-9.]+ sequences/s.*"), out);
        }
        assertTrue(out.contains("serve through DJL on CPU"), out);
        assertTrue(out.contains("GPU check: all passed on CPU"), out);
    }

    @Test
    void readsTheDeviceShareOfAProfile() {
        String profile =
                "step 2: 10.0 ms wall\n\nby device:\n"
                        + "  GPU:0                          8.0 ms   80.0%  (10)\n"
                        + "  CPU:0                          2.0 ms   20.0%  (3)\n\nby op type:\n";
        assertEquals(80.0, GpuCheck.deviceShare(profile, "GPU"), 1e-9);
        assertEquals(20.0, GpuCheck.deviceShare(profile, "CPU"), 1e-9);
    }
}
