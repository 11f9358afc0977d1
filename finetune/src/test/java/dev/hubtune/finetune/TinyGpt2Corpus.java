package dev.hubtune.finetune;

import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small, regular corpus and a fresh gpt2-tiny over a word-level byte-BPE vocabulary of a few
 * hundred tokens. Each document is "NAME lives in CITY and likes COLOR." with NAME drawn uniformly
 * from eight names and CITY and COLOR fixed by NAME, so the only uncertainty is which name starts
 * each document: ln 8 nats per document of {@link #TOKENS_PER_DOCUMENT} predicted tokens. That is
 * the floor no model can beat.
 */
final class TinyGpt2Corpus {

    // No word's first two letters occur later inside any word, so every word is one token of the
    // generated BPE vocabulary (Gpt2Files.forWords checks it).

    static final List<String> NAMES =
            List.of("bob", "carol", "dave", "grace", "heidi", "judy", "mike", "pat");
    static final List<String> CITIES =
            List.of("paris", "oslo", "lima", "kyiv", "cairo", "quito", "bern", "doha");
    static final List<String> COLORS =
            List.of("red", "blue", "gold", "gray", "white", "black", "navy", "jade");

    /**
     * Predicted tokens per document: NAME, lives, in, CITY, and, likes, COLOR, ".", end of text.
     */
    static final int TOKENS_PER_DOCUMENT = 9;

    /** The corpus entropy rate: the lowest mean loss per token, in nats. */
    static final double FLOOR_NATS = Math.log(NAMES.size()) / TOKENS_PER_DOCUMENT;

    private TinyGpt2Corpus() {}

    /** The sentence of name {@code i}. */
    static String sentence(int i) {
        return NAMES.get(i) + " lives in " + CITIES.get(i) + " and likes " + COLORS.get(i) + ".";
    }

    /**
     * A fresh gpt2-tiny (2 layers, hidden 128, 4 heads, 256 positions) with the small vocabulary.
     */
    static Path model(Path root) throws Exception {
        List<String> words = new ArrayList<>(List.of("lives", "in", "and", "likes"));
        words.addAll(NAMES);
        words.addAll(CITIES);
        words.addAll(COLORS);
        Path tokenizer = Gpt2Files.forWords(root.resolve("tokenizer"), words);
        return ModelInitializer.create("gpt2-tiny", tokenizer, root.resolve("gpt2-tiny"), 1);
    }

    /** {@code documents} seeded documents separated by blank lines. */
    static Path corpus(Path file, int documents, long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < documents; d++) {
            sb.append(sentence(r.nextInt(NAMES.size()))).append("\n\n");
        }
        Files.writeString(file, sb);
        return file;
    }
}
