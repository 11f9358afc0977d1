package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {

    @Test
    void tokensAndIdsOfALocalModelDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\n!\n");
        CliRunner r = CliRunner.run("tokenize", dir.toString(), "Hello world!", "--pair", "hello");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(
                r.out().contains("[CLS]=2 hello=4 world=5 !=6 [SEP]=3 hello=4 [SEP]=3"), r.out());
        CliRunner json = CliRunner.run("tokenize", dir.toString(), "hello", "--json");
        assertEquals(0, json.exitCode(), json.err());
        assertEquals(
                3,
                JsonParser.parseString(json.out())
                        .getAsJsonArray()
                        .get(0)
                        .getAsJsonObject()
                        .getAsJsonArray("ids")
                        .size());
    }

    @Test
    void aDirectoryWithoutTokenizerFilesIsAUserError(@TempDir Path dir) {
        CliRunner r = CliRunner.run("tokenize", dir.toString(), "hello");
        assertEquals(Hubtune.EXIT_USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("expected tokenizer.json, vocab.txt"), r.err());
    }
}
