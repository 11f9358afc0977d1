package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextAugmentationTest {

    private static final String TEXT = "the quick brown fox jumps over the lazy dog today";

    @Test
    void copiesMaskAboutOneWordInTenAndCutAboutOneInFourToAnNgram() {
        List<String> copies = new TextAugmentation(4000, "[MASK]", 1).augment(List.of(TEXT));
        assertEquals(4000, copies.size());
        List<String> original = Arrays.asList(TEXT.split(" "));
        int words = 0;
        int masked = 0;
        int cut = 0;
        for (String c : copies) {
            String[] w = c.split(" ");
            if (w.length < original.size()) {
                cut++;
                assertTrue(w.length <= TextAugmentation.MAX_NGRAM, c);
            } else {
                words += w.length;
                for (int i = 0; i < w.length; i++) {
                    // an uncut copy keeps every position: the word or the mask
                    assertTrue(w[i].equals("[MASK]") || w[i].equals(original.get(i)), c);
                    masked += w[i].equals("[MASK]") ? 1 : 0;
                }
            }
        }
        // binomial counts: 4000·0.25 = 1000 ± 27 (σ); ~30,000 words · 0.1 = 3000 ± 52
        assertEquals(1000, cut, 120, "cut to an n-gram");
        assertEquals(0.1, (double) masked / words, 0.01, "masked");
    }

    @Test
    void theSameSeedGivesTheSameTransferSetAndEmptyCopiesAreDropped() {
        List<String> texts = List.of(TEXT, "one", "  ");
        assertEquals(
                new TextAugmentation(5, "[MASK]", 9).augment(texts),
                new TextAugmentation(5, "[MASK]", 9).augment(texts));
        // without a mask token a masked single word leaves nothing: that copy is dropped
        List<String> singles = new TextAugmentation(200, "", 3).augment(List.of("one"));
        assertTrue(singles.size() < 200 && singles.size() > 150, "" + singles.size());
        assertTrue(singles.stream().allMatch("one"::equals));
        assertThrows(IllegalArgumentException.class, () -> new TextAugmentation(-1, "", 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> Distillation.from(java.nio.file.Path.of("t")).withAugmentedCopies(101));
    }
}
