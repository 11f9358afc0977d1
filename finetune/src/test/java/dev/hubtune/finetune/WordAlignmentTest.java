package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.data.TaggedSentence;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sub-token ↔ word alignment from offsets, windows of long sentences, and their merge. */
class WordAlignmentTest {

    @TempDir Path dir;

    private static final TaggedSentence SENTENCE =
            new TaggedSentence(
                    List.of(
                            "Kalomi", "Bade", "works", "for", "Tuvaso", "Labs", "in", "New", "Ziro",
                            "."),
                    List.of(
                            "B-PER", "I-PER", "O", "O", "B-ORG", "I-ORG", "O", "B-LOC", "I-LOC",
                            "O"),
                    1);

    @Test
    void firstSubTokensCarryTheLabelsOfTheirWords() throws Exception {
        try (TextTokenizer tok =
                TextTokenizer.builder().setModelDir(TinyNer.vocab(dir)).optMaxLength(64).build()) {
            List<WordAlignment.Window> windows = WordAlignment.windows(tok, SENTENCE, 4);
            assertEquals(1, windows.size());
            WordAlignment.Window w = windows.get(0);
            // [CLS] Ka ##lo ##mi Ba ##de works for Tu ##va ##so Labs in New Zi ##ro . [SEP]
            assertEquals(18, w.encoded().length(), String.join(" ", w.encoded().tokens()));
            assertArrayEquals(
                    new int[] {-1, 0, 0, 0, 1, 1, 2, 3, 4, 4, 4, 5, 6, 7, 8, 8, 9, -1}, w.words());
            int firsts = 0;
            for (int t = 0; t < w.first().length; t++) {
                if (w.first()[t]) {
                    firsts++;
                    assertTrue(!w.encoded().tokens()[t].startsWith("##"), "token " + t);
                }
            }
            assertEquals(SENTENCE.size(), firsts);
        }
    }

    @Test
    void longSentencesBecomeWindowsAndEachWordIsPredictedFromItsBestWindow() throws Exception {
        try (TextTokenizer tok =
                TextTokenizer.builder().setModelDir(TinyNer.vocab(dir)).optMaxLength(8).build()) {
            List<WordAlignment.Window> windows = WordAlignment.windows(tok, SENTENCE, 2);
            assertTrue(windows.size() >= 3, "windows: " + windows.size());
            // every word's first sub-token is in some window, and only once per window
            boolean[] covered = new boolean[SENTENCE.size()];
            for (WordAlignment.Window w : windows) {
                assertTrue(w.encoded().length() <= 8);
                boolean[] seen = new boolean[SENTENCE.size()];
                for (int t = 0; t < w.words().length; t++) {
                    if (w.first()[t]) {
                        assertTrue(!seen[w.words()[t]]);
                        seen[w.words()[t]] = true;
                        covered[w.words()[t]] = true;
                    }
                }
            }
            for (boolean c : covered) {
                assertTrue(c);
            }
            // predict each token as the word it belongs to (+100 · window index): the merge must
            // give every word its own id, from the window where it has the most context
            List<int[]> predicted = new ArrayList<>();
            for (int i = 0; i < windows.size(); i++) {
                int[] words = windows.get(i).words();
                int[] p = new int[words.length];
                for (int t = 0; t < p.length; t++) {
                    p[t] = 100 * i + Math.max(0, words[t]);
                }
                predicted.add(p);
            }
            int[] merged = WordAlignment.merge(windows, predicted, SENTENCE.size(), -1);
            for (int w = 0; w < merged.length; w++) {
                assertEquals(w, merged[w] % 100, "word " + w);
                int window = merged[w] / 100;
                int context = context(windows.get(window), w);
                for (WordAlignment.Window other : windows) {
                    assertTrue(
                            context >= context(other, w), "word " + w + " from window " + window);
                }
            }
        }
    }

    private static int context(WordAlignment.Window w, int word) {
        int[] range = w.contentRange();
        for (int t = 0; t < w.words().length; t++) {
            if (w.first()[t] && w.words()[t] == word) {
                return Math.min(t - range[0], range[1] - t);
            }
        }
        return -1;
    }
}
