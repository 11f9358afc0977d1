package dev.hubtune.tokenizers;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * Fuzz target for loading a downloaded model's tokenizer ({@code tokenizer.json}) and encoding with
 * it. The contract: the tokenizer loads and encodes, or {@link TokenizerException} says why — never
 * another exception, a crash of the native tokenizer, an out-of-memory error or a hang.
 */
@Tag("fuzz")
class TokenizerFilesFuzzTest {

    private static final Path DIR = tempDir();

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("hubtune-fuzz-tokenizer");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void tokenizerJson(byte[] data) throws IOException {
        Files.write(DIR.resolve("tokenizer.json"), data);
        try (TextTokenizer t = TextTokenizer.builder().setModelDir(DIR).build()) {
            t.encode("Hello world, caf\u00e9 \u4e16\u754c 12345 [MASK] <s>");
            t.encode("a", "pair of texts");
        } catch (TokenizerException expected) {
            // documented
        }
    }
}
