package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class ExportCommandTest {

    @Test
    void exportsAllMiniLmBothWaysAndTheHfExportEmbedsTheSame(@TempDir Path dir) {
        CliRunner hf =
                CliRunner.run(
                        "export",
                        "all-minilm-l6-v2",
                        "-q",
                        "--format",
                        "hf",
                        "-o",
                        dir.resolve("hf").toString());
        assertEquals(0, hf.exitCode(), hf.err());
        assertTrue(Files.isRegularFile(dir.resolve("hf/model.safetensors")));
        CliRunner saved =
                CliRunner.run(
                        "export", "all-minilm-l6-v2", "-q", "-o", dir.resolve("sm").toString());
        assertEquals(0, saved.exitCode(), saved.err());
        assertTrue(Files.isRegularFile(dir.resolve("sm/saved_model.pb")));
        CliRunner original =
                CliRunner.run("embed", "all-minilm-l6-v2", "-q", "--json", "A man is eating food.");
        CliRunner reimported =
                CliRunner.run(
                        "embed",
                        dir.resolve("hf").toString(),
                        "-q",
                        "--json",
                        "A man is eating food.");
        assertEquals(0, reimported.exitCode(), reimported.err());
        assertEquals(
                original.out(), reimported.out(), "the HF export embeds exactly as the original");
        CliRunner again =
                CliRunner.run(
                        "export", "all-minilm-l6-v2", "-q", "-o", dir.resolve("sm").toString());
        assertEquals(Hubtune.EXIT_USER_ERROR, again.exitCode());
        assertTrue(again.err().contains("not empty"), again.err());
    }
}
