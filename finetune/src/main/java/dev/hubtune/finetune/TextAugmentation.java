package dev.hubtune.finetune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The data augmentation of Tang et al. 2019 for distilling into a small student: copies of each
 * training text in which every word is replaced by the mask token with probability {@value
 * #MASK_PROBABILITY}, and then, with probability {@value #NGRAM_PROBABILITY}, only a random n-gram
 * (n from 1 to {@value #MAX_NGRAM}) is kept. The teacher labels each copy, so the student sees how
 * the teacher's belief moves when words go missing — the transfer set grows without new data. (The
 * paper's third rule, part-of-speech-guided word replacement, needs a tagger and is left out.)
 *
 * @param copies augmented copies per text (0: none)
 * @param maskToken what a masked word becomes (the tokenizer's mask token, e.g. {@code [MASK]})
 * @param seed the seed of the draws, so a run's transfer set is the same every time
 */
record TextAugmentation(int copies, String maskToken, long seed) {

    static final double MASK_PROBABILITY = 0.1;
    static final double NGRAM_PROBABILITY = 0.25;
    static final int MAX_NGRAM = 5;

    TextAugmentation {
        if (copies < 0) {
            throw new IllegalArgumentException("augmented copies must be 0 or more, got " + copies);
        }
    }

    /**
     * {@code copies} augmented variants of each text, in order; texts without words give none, and
     * a variant left without words is dropped.
     */
    List<String> augment(List<String> texts) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(texts.size() * copies);
        for (String text : texts) {
            String[] words = text.trim().split("\\s+");
            if (words.length == 0 || words[0].isEmpty()) {
                continue;
            }
            for (int c = 0; c < copies; c++) {
                String[] w = words.clone();
                for (int i = 0; i < w.length; i++) {
                    if (random.nextDouble() < MASK_PROBABILITY) {
                        w[i] = maskToken;
                    }
                }
                if (random.nextDouble() < NGRAM_PROBABILITY) {
                    int n = Math.min(w.length, 1 + random.nextInt(MAX_NGRAM));
                    int start = random.nextInt(w.length - n + 1);
                    w = Arrays.copyOfRange(w, start, start + n);
                }
                String copy = String.join(" ", w).trim();
                if (!copy.isEmpty()) { // every word masked away (a tokenizer without a mask token)
                    out.add(copy);
                }
            }
        }
        return out;
    }
}
