package dev.hubtune.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behaviour of the pipelines on tiny vocabularies written by the tests (parity is in *ParityTest).
 */
class TextTokenizerTest {

    static final List<String> VOCAB =
            List.of(
                    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", ",", "!", "##s",
                    "the", "quick", "brown", "fox", "jump", "##ed", "cafe", "over", "lazy", "dog",
                    ".");

    static Path bertDir(Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.txt"), String.join("\n", VOCAB) + "\n");
        return dir;
    }

    private static TextTokenizer.Builder bert(Path dir) throws Exception {
        return TextTokenizer.builder().setModelDir(bertDir(dir));
    }

    private static long id(String token) {
        return VOCAB.indexOf(token);
    }

    @Test
    void bertVocabBecomesAWordPiecePipelineWithOffsets(@TempDir Path dir) throws Exception {
        try (TextTokenizer tok = bert(dir).build()) {
            assertEquals(TextTokenizer.Source.BERT_VOCAB, tok.source());
            Encoded e = tok.encode("Hello, worlds! Café");
            assertArrayEquals(
                    new String[] {"[CLS]", "hello", ",", "world", "##s", "!", "cafe", "[SEP]"},
                    e.tokens());
            assertArrayEquals(new long[] {2, 5, 7, 6, 9, 8, 16, 3}, e.ids());
            assertArrayEquals(new long[] {1, 0, 0, 0, 0, 0, 0, 1}, e.specialTokensMask());
            assertEquals(0, e.charStarts()[1]);
            assertEquals(5, e.charEnds()[1]);
            assertEquals(-1, e.charStarts()[0], "[CLS] has no place in the text");
            assertEquals("hello, worlds! cafe", tok.decode(e.ids(), true));
        }
    }

    @Test
    void pairsGetSegmentIdsAndTruncateAsAsked(@TempDir Path dir) throws Exception {
        try (TextTokenizer tok = bert(dir).build()) {
            Encoded pair = tok.encode("hello world", "the quick fox");
            assertArrayEquals(new long[] {0, 0, 0, 0, 1, 1, 1, 1}, pair.typeIds());
        }
        try (TextTokenizer tok = bert(dir).optMaxLength(7).build()) {
            // 3 specials + 4 tokens: longest-first cuts the longer text first.
            Encoded e = tok.encode("hello world hello world", "the fox");
            assertEquals(
                    List.of("[CLS]", "hello", "world", "[SEP]", "the", "fox", "[SEP]"),
                    List.of(e.tokens()));
        }
        try (TextTokenizer tok =
                bert(dir).optMaxLength(7).optTruncation(Truncation.ONLY_SECOND).build()) {
            Encoded e = tok.encode("hello world", "the quick brown fox");
            assertEquals(
                    List.of("[CLS]", "hello", "world", "[SEP]", "the", "quick", "[SEP]"),
                    List.of(e.tokens()));
        }
        try (TextTokenizer tok = bert(dir).optMaxLength(4).optTruncation(Truncation.NONE).build()) {
            TokenizerException e =
                    assertThrows(TokenizerException.class, () -> tok.encode("the quick brown fox"));
            assertTrue(e.getMessage().contains("more than the maximum 4"), e.getMessage());
        }
    }

    @Test
    void batchesArePaddedToLongestToMultiplesOrToMaxLength(@TempDir Path dir) throws Exception {
        try (TextTokenizer tok = bert(dir).build()) {
            Batch b = tok.encodeBatch(List.of("hello", "the quick brown fox"));
            assertEquals(2, b.batchSize());
            assertEquals(6, b.length());
            assertArrayEquals(new int[] {2, 5, 3, 0, 0, 0}, b.row(0));
            assertArrayEquals(new int[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1}, b.attentionMask());
            assertEquals(3.0 / 12, b.paddingFraction(), 1e-9);
            assertEquals(9, b.realTokens());
        }
        try (TextTokenizer tok = bert(dir).optPadToMultipleOf(8).build()) {
            assertEquals(8, tok.encodeBatch(List.of("hello")).length());
        }
        try (TextTokenizer tok =
                bert(dir).optPadding(Padding.MAX_LENGTH).optMaxLength(10).build()) {
            Batch b = tok.encodeBatch(List.of("hello"), List.of("world"));
            assertEquals(10, b.length());
            assertArrayEquals(new int[] {0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, b.typeIds());
        }
    }

    @Test
    void longDocumentsBecomeOverlappingWindows(@TempDir Path dir) throws Exception {
        try (TextTokenizer tok = bert(dir).optMaxLength(6).build()) {
            List<Encoded> windows =
                    tok.encodeWindows("the quick brown fox jumped over the lazy dog", 1);
            assertTrue(windows.size() >= 3, windows.size() + " windows");
            for (Encoded w : windows) {
                assertTrue(w.length() <= 6);
                assertEquals("[CLS]", w.tokens()[0]);
            }
            // Consecutive windows share the stride token.
            String[] first = windows.get(0).tokens();
            String[] second = windows.get(1).tokens();
            assertEquals(first[first.length - 2], second[1]);
        }
    }

    @Test
    void casingFollowsTheModelConfig(@TempDir Path dir) throws Exception {
        bertDir(dir);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": false}");
        try (TextTokenizer tok = TextTokenizer.builder().setModelDir(dir).build()) {
            assertEquals(
                    "[UNK]",
                    tok.encode("Hello").tokens()[1],
                    "cased: Hello is not in the vocabulary");
        }
    }

    @Test
    void gpt2ByteLevelBpeFromVocabAndMerges(@TempDir Path dir) throws Exception {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> byteSymbols = Gpt2Bytes.symbols();
        for (int b = 0; b < 256; b++) {
            vocab.put(byteSymbols.get(b), b);
        }
        List<String> merges = List.of("h e", "l l", "he ll", "hell o", "Ġ hello");
        vocab.put("he", 256);
        vocab.put("ll", 257);
        vocab.put("hell", 258);
        vocab.put("hello", 259);
        vocab.put("Ġhello", 260);
        vocab.put("<|endoftext|>", 261);
        Files.writeString(dir.resolve("vocab.json"), new com.google.gson.Gson().toJson(vocab));
        Files.writeString(
                dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        try (TextTokenizer tok =
                TextTokenizer.builder().setModelDir(dir).optMaxLength(16).build()) {
            assertEquals(TextTokenizer.Source.GPT2_BPE, tok.source());
            Encoded e = tok.encode("hello hello!");
            assertArrayEquals(new long[] {259, 260, vocab.get("!")}, e.ids());
            assertEquals("hello hello!", tok.decode(e.ids(), false));
            assertArrayEquals(new long[] {261}, tok.encode("<|endoftext|>").ids());
            // No pad token in GPT-2: pad with end-of-text and mask it out.
            assertEquals(261, tok.padId());
            Batch b = tok.encodeBatch(List.of("hello", "hello hello"));
            assertArrayEquals(new int[] {259, 261, 259, 260}, b.inputIds());
            assertArrayEquals(new int[] {1, 0, 1, 1}, b.attentionMask());
        }
        try (TextTokenizer tok = TextTokenizer.builder().setModelDir(dir).optPadId(0).build()) {
            assertEquals(0, tok.encodeBatch(List.of("hello", "hello hello")).inputIds()[1]);
        }
    }

    @Test
    void badInputGetsAClearError(@TempDir Path dir) throws Exception {
        TokenizerException none =
                assertThrows(
                        TokenizerException.class,
                        () -> TextTokenizer.builder().setModelDir(dir).build());
        assertTrue(
                none.getMessage().contains("expected tokenizer.json, vocab.txt"),
                none.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"hello\": ");
        TokenizerException broken =
                assertThrows(
                        TokenizerException.class,
                        () -> TextTokenizer.builder().setModelDir(dir).build());
        assertTrue(broken.getMessage().contains("not a tokenizer file"), broken.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Nonsense\"}}");
        TokenizerException rejected =
                assertThrows(
                        TokenizerException.class,
                        () -> TextTokenizer.builder().setModelDir(dir).build());
        assertTrue(
                rejected.getMessage().contains("does not hold a tokenizer"), rejected.getMessage());

        Files.delete(dir.resolve("tokenizer.json"));
        Files.write(
                dir.resolve("vocab.txt"),
                new byte[] {'[', 'U', 'N', 'K', ']', '\n', (byte) 0xC3, 0x28, '\n'});
        TokenizerException utf8 =
                assertThrows(
                        TokenizerException.class,
                        () -> TextTokenizer.builder().setModelDir(dir).build());
        assertTrue(utf8.getMessage().contains("not valid UTF-8"), utf8.getMessage());

        Files.writeString(dir.resolve("vocab.txt"), "a\nb\n", StandardCharsets.UTF_8);
        TokenizerException notBert =
                assertThrows(
                        TokenizerException.class,
                        () -> TextTokenizer.builder().setModelDir(dir).build());
        assertTrue(
                notBert.getMessage().contains("not a BERT WordPiece vocabulary"),
                notBert.getMessage());

        try (TextTokenizer tok = bert(dir).build()) {
            TokenizerException empty = assertThrows(TokenizerException.class, () -> tok.encode(""));
            assertTrue(empty.getMessage().contains("empty text"), empty.getMessage());
        }
    }
}
