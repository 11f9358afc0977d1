package dev.hubtune.finetune;

import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.TaggedSentence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which sub-tokens of a sentence's encoding belong to which of its words, from the tokenizer's
 * character offsets: the sentence is tokenized as its words joined by spaces (as raw text is at
 * prediction, so training and prediction see the same tokens for every tokenizer, byte-level BPE
 * without a prefix space included), and a token belongs to the word holding its last character. A
 * sentence longer than the model's length becomes overlapping windows, each sharing {@code stride}
 * tokens with the previous one; a word is then predicted from the window where its first sub-token
 * has the most context on both sides.
 */
final class WordAlignment {

    /**
     * One window of a sentence's encoding.
     *
     * @param encoded the tokens
     * @param words per token, the word it belongs to, or -1 (special tokens, whitespace)
     * @param first per token, whether it is its word's first sub-token (the one that is labelled)
     */
    record Window(Encoded encoded, int[] words, boolean[] first) {

        /** The first and last token that belong to a word, or {-1, -1}. */
        int[] contentRange() {
            int a = -1;
            int b = -1;
            for (int t = 0; t < words.length; t++) {
                if (words[t] >= 0) {
                    a = a < 0 ? t : a;
                    b = t;
                }
            }
            return new int[] {a, b};
        }
    }

    private WordAlignment() {}

    /**
     * The windows of {@code sentence}: one when it fits in the tokenizer's length, else the
     * overflow windows with {@code stride} tokens of overlap.
     */
    static List<Window> windows(TextTokenizer tokenizer, TaggedSentence sentence, int stride)
            throws TokenizerException {
        String text = sentence.text();
        int[] starts = sentence.wordStarts();
        int[] ends = new int[starts.length];
        for (int w = 0; w < ends.length; w++) {
            ends[w] = starts[w] + sentence.words().get(w).length();
        }
        Encoded whole = tokenizer.encode(text);
        List<Encoded> encodings =
                covers(whole, ends[ends.length - 1])
                        ? List.of(whole)
                        : tokenizer.encodeWindows(text, stride);
        return align(encodings, starts, ends);
    }

    /** Whether a token reaches {@code end} (the text was not truncated). */
    private static boolean covers(Encoded e, int end) {
        for (int t = e.length() - 1; t >= 0; t--) {
            if (e.charEnds()[t] >= end) {
                return true;
            }
        }
        return false;
    }

    /** Aligns {@code encodings} of one text to the words {@code [starts[w], ends[w])}. */
    static List<Window> align(List<Encoded> encodings, int[] starts, int[] ends) {
        int n = starts.length;
        // A word's first sub-token is the one starting earliest in the text, over all windows:
        // in a window that begins inside a word, that word's tokens are continuations.
        int[] firstStart = new int[n];
        Arrays.fill(firstStart, Integer.MAX_VALUE);
        List<int[]> wordsOf = new ArrayList<>();
        for (Encoded e : encodings) {
            int[] words = new int[e.length()];
            for (int t = 0; t < words.length; t++) {
                words[t] = -1;
                int s = e.charStarts()[t];
                int end = e.charEnds()[t];
                if (e.specialTokensMask()[t] != 0 || s < 0 || end <= s) {
                    continue;
                }
                int w = wordAt(starts, ends, end - 1);
                words[t] = w;
                if (w >= 0) {
                    firstStart[w] = Math.min(firstStart[w], s);
                }
            }
            wordsOf.add(words);
        }
        List<Window> out = new ArrayList<>();
        for (int i = 0; i < encodings.size(); i++) {
            int[] words = wordsOf.get(i);
            boolean[] first = new boolean[words.length];
            boolean[] seen = new boolean[n];
            for (int t = 0; t < words.length; t++) {
                int w = words[t];
                if (w >= 0 && !seen[w] && encodings.get(i).charStarts()[t] == firstStart[w]) {
                    first[t] = true;
                    seen[w] = true;
                }
            }
            out.add(new Window(encodings.get(i), words, first));
        }
        return out;
    }

    /** The word holding character {@code c}, or -1 (whitespace between words). */
    private static int wordAt(int[] starts, int[] ends, int c) {
        int i = Arrays.binarySearch(starts, c);
        int w = i >= 0 ? i : -i - 2;
        return w >= 0 && c < ends[w] ? w : -1;
    }

    /**
     * The predicted label of every word of a sentence from its windows' per-token predictions: each
     * word takes the prediction at its first sub-token in the window where that token is farthest
     * from the window's edges (HF's "max context" rule for overlapping windows); a word no token
     * covers gets {@code fallback}.
     */
    static int[] merge(List<Window> windows, List<int[]> predicted, int words, int fallback) {
        int[] out = new int[words];
        Arrays.fill(out, fallback);
        int[] best = new int[words];
        Arrays.fill(best, -1);
        for (int i = 0; i < windows.size(); i++) {
            Window win = windows.get(i);
            int[] range = win.contentRange();
            for (int t = 0; t < win.words().length; t++) {
                if (!win.first()[t]) {
                    continue;
                }
                int context = Math.min(t - range[0], range[1] - t);
                int w = win.words()[t];
                if (context > best[w]) {
                    best[w] = context;
                    out[w] = predicted.get(i)[t];
                }
            }
        }
        return out;
    }
}
