package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * Issue 24 item 9: a numeric option out of range is refused while the command line is parsed, with
 * picocli's one-line "Invalid value for option" and exit 1 — before any model is pulled or file
 * read (the model reference here does not exist, so reaching it would be another error).
 */
class OptionValidationTest {

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "finetune|--max-length|0",
                "finetune|--max-length|-5",
                "finetune|--batch-size|0",
                "finetune|--learning-rate|NaN",
                "finetune|--learning-rate|-1",
                "finetune|--learning-rate|Infinity",
                "finetune|--learning-rate|3",
                "finetune|--epochs|0",
                "finetune|--max-steps|-1",
                "finetune|--threads|-3",
                "finetune|--gradient-accumulation|0",
                "finetune|--eval-every|-1",
                "finetune|--patience|-2",
                "finetune|--block-size|0",
                "finetune|--lora-r|0",
                "finetune|--lora-alpha|NaN",
                "finetune|--lora-dropout|1",
                "finetune|--threshold|1.5",
                "finetune|--scale|-20",
                "finetune|--stride|-1",
                "finetune|--batch-size|ten",
                "tokenize|--max-length|0",
                "predict|--max-length|-1",
                "eval|--max-length|0",
                "fill-mask|--top-k|0",
                "distill|--temperature|0",
                "distill|--augment|-1",
                "distill|--epochs|0",
                "distill|--learning-rate|NaN",
                "distill|--threads|-1",
            })
    void anOutOfRangeOptionIsAOneLineParseErrorWithExitCode1(
            String command, String option, String value) {
        List<String> args = new ArrayList<>(List.of(command, "no-such-model-xyz"));
        boolean trains = command.equals("finetune") || command.equals("distill");
        if (trains) {
            args.addAll(List.of("--train", "no-such.csv", "-o", "no-such-run"));
        }
        args.addAll(List.of(option, value));
        if (!trains) {
            args.add("some text");
        }
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(1, r.exitCode(), r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(
                first.startsWith("hubtune: Invalid value for option '" + option + "'")
                        && first.contains("'" + value + "'"),
                r.err());
        assertTrue(r.err().lines().count() <= 2, "one line and a pointer to --help: " + r.err());
        assertTrue(r.err().contains("--help"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        assertFalse(r.err().contains("no-such"), "nothing was pulled or read: " + r.err());
    }

    @Test
    void anOutputThatIsAnExistingFileSaysWhatToDo(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        String[][] commands = {
            {"finetune", "no-such-model-xyz", "--train", "t.csv", "-o", file.toString()},
            {"export", "no-such-model-xyz", "-o", file.toString()},
            {"init", "bert-tiny", "--tokenizer", "no-such-model-xyz", "-o", file.toString()},
        };
        for (String[] args : commands) {
            CliRunner r = CliRunner.run(args);
            assertEquals(1, r.exitCode(), r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(
                    first.contains("Invalid value for option '--output'")
                            && first.contains("is an existing file, not a directory")
                            && first.contains("new directory"),
                    r.err());
            assertEquals("mine", Files.readString(file), "the file is left alone");
        }
    }

    @Test
    void saneValuesStillParse() {
        CommandLine cli =
                Hubtune.commandLine(
                        new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        CommandLine.ParseResult parsed =
                cli.parseArgs(
                        "finetune",
                        "m",
                        "--train",
                        "t.csv",
                        "-o",
                        "run",
                        "--threads",
                        "0",
                        "--learning-rate",
                        "2e-5",
                        "--max-steps",
                        "10",
                        "--batch-size",
                        "8",
                        "--max-length",
                        "128",
                        "--lora-dropout",
                        "0",
                        "--threshold",
                        "0.5",
                        "--patience",
                        "0");
        FinetuneCommand f = (FinetuneCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals(0, f.threads);
        assertEquals(2e-5, f.learningRate);
        assertEquals(10, f.maxSteps);
        assertEquals(8, f.batchSize);
        assertEquals(128, f.maxLength);
        assertEquals(0.0, f.loraDropout);
        assertEquals(0.5, f.threshold);
    }
}
