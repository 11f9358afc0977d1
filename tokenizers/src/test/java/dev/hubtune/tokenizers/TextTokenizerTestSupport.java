package dev.hubtune.tokenizers;

import java.nio.file.Path;

/** Test access to the tiny BERT vocabulary of {@link TextTokenizerTest}. */
public final class TextTokenizerTestSupport {
    private TextTokenizerTestSupport() {}

    /** Writes the tiny vocab.txt into {@code dir}. */
    public static Path bertDir(Path dir) throws Exception {
        return TextTokenizerTest.bertDir(dir);
    }
}
