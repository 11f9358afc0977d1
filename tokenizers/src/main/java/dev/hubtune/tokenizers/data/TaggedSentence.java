package dev.hubtune.tokenizers.data;

import java.util.List;

/**
 * One sentence of a token-classification dataset (named entities, part-of-speech, chunks): its
 * words and one tag per word, as written in the file ({@code B-PER}, {@code I-LOC}, {@code O}, …).
 *
 * @param words the words, in order (never empty, none blank)
 * @param tags one tag per word
 * @param line the line of the file the sentence starts on (1-based), for messages and splits
 */
public record TaggedSentence(List<String> words, List<String> tags, long line) {

    /** Copies the lists and checks they match. */
    public TaggedSentence {
        words = List.copyOf(words);
        tags = List.copyOf(tags);
        if (words.size() != tags.size()) {
            throw new IllegalArgumentException(
                    "line " + line + ": " + words.size() + " words but " + tags.size() + " tags");
        }
    }

    /** Number of words. */
    public int size() {
        return words.size();
    }

    /**
     * The words joined by single spaces: the text the tokenizer sees, so that a sentence is
     * tokenized at training exactly as raw text is at prediction.
     */
    public String text() {
        return String.join(" ", words);
    }

    /** Where each word starts in {@link #text()}. */
    public int[] wordStarts() {
        int[] starts = new int[words.size()];
        int at = 0;
        for (int i = 0; i < starts.length; i++) {
            starts[i] = at;
            at += words.get(i).length() + 1;
        }
        return starts;
    }
}
