package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hubtune init gpt2-tiny} then {@code hubtune generate} on it, and their likely mistakes.
 */
class GenerateCommandTest {

    @TempDir static Path dir;
    private static Path model;

    @BeforeAll
    static void init() throws Exception {
        Path tokenizer = Gpt2Files.write(Files.createDirectories(dir.resolve("gpt2-tokenizer")));
        model = dir.resolve("tiny");
        CliRunner r =
                CliRunner.run(
                        "init",
                        "gpt2-tiny",
                        "--tokenizer",
                        tokenizer.toString(),
                        "-o",
                        model.toString(),
                        "--seed",
                        "3");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject config =
                JsonParser.parseString(Files.readString(model.resolve("config.json")))
                        .getAsJsonObject();
        assertEquals(50257, config.get("vocab_size").getAsInt());
        assertEquals(50256, config.get("eos_token_id").getAsInt());
        assertEquals(128, config.get("n_embd").getAsInt());
        assertTrue(Files.isRegularFile(model.resolve("merges.txt")));
        assertTrue(Files.isRegularFile(model.resolve("hubtune.json")));
    }

    @Test
    void generatesReproduciblyAndSamplingFollowsTheSeed() {
        JsonObject greedy =
                json("generate", model.toString(), "Hello world", "--max-new-tokens", "6");
        assertEquals(6, greedy.getAsJsonArray("new_ids").size());
        assertEquals(
                greedy.get("new_ids"),
                json("generate", model.toString(), "Hello world", "--max-new-tokens", "6")
                        .get("new_ids"));
        JsonObject a =
                json("generate", model.toString(), "Hello", "--temperature", "1.5", "--seed", "1");
        JsonObject b =
                json("generate", model.toString(), "Hello", "--temperature", "1.5", "--seed", "1");
        JsonObject c =
                json("generate", model.toString(), "Hello", "--temperature", "1.5", "--seed", "2");
        assertEquals(a.get("new_ids"), b.get("new_ids"));
        assertNotEquals(a.get("new_ids"), c.get("new_ids"));
        CliRunner text =
                CliRunner.run("generate", model.toString(), "Hello", "--max-new-tokens", "3");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().startsWith("Hello"), text.out());
        assertTrue(text.err().contains("tokens/s"), text.err());
    }

    @Test
    void likelyMistakesSayWhatToDo() {
        CliRunner tooLong =
                CliRunner.run("generate", model.toString(), "Hello", "--max-new-tokens", "300");
        assertEquals(Hubtune.EXIT_USER_ERROR, tooLong.exitCode());
        assertTrue(tooLong.err().contains("256 positions"), tooLong.err());
        CliRunner badTemperature =
                CliRunner.run("generate", model.toString(), "Hello", "--temperature", "-1");
        assertEquals(Hubtune.EXIT_USER_ERROR, badTemperature.exitCode());
        assertTrue(badTemperature.err().contains("temperature"), badTemperature.err());
        CliRunner unknownPreset =
                CliRunner.run(
                        "init",
                        "gpt5",
                        "--tokenizer",
                        model.toString(),
                        "-o",
                        dir.resolve("x").toString());
        assertEquals(Hubtune.EXIT_USER_ERROR, unknownPreset.exitCode());
        assertTrue(unknownPreset.err().contains("gpt2-tiny"), unknownPreset.err());
        CliRunner notEmpty =
                CliRunner.run(
                        "init",
                        "gpt2-tiny",
                        "--tokenizer",
                        model.toString(),
                        "-o",
                        model.toString());
        assertEquals(Hubtune.EXIT_USER_ERROR, notEmpty.exitCode());
        assertTrue(notEmpty.err().contains("not empty"), notEmpty.err());
    }

    private static JsonObject json(String... args) {
        String[] withJson = java.util.Arrays.copyOf(args, args.length + 2);
        withJson[args.length] = "--json";
        withJson[args.length + 1] = "-q";
        CliRunner r = CliRunner.run(withJson);
        assertEquals(0, r.exitCode(), r.err());
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }
}
