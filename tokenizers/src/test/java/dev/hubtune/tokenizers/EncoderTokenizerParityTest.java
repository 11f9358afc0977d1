package dev.hubtune.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RoBERTa's byte-level BPE and XLM-RoBERTa's SentencePiece Unigram (Precompiled NFKC normalizer,
 * Metaspace, fairseq's id offset) {@code tokenizer.json}s give the ids, type ids and masks
 * transformers' fast tokenizers give, with special tokens, on an awkward-text corpus (accents, CJK,
 * emoji, long words, whitespace runs) and on pairs ({@code <s> A </s></s> B </s>}), one by one and
 * batched. Fixtures from {@code tools/reference/encoder_tokenizers_reference.py}.
 */
class EncoderTokenizerParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"roberta-bpe", "xlmr-unigram"})
    void idsEqualTransformers(String fixture, @TempDir Path dir) throws Exception {
        String root = "/reference/" + fixture + "/";
        Files.writeString(
                dir.resolve("tokenizer.json"),
                resource(root + "tokenizer.json"),
                StandardCharsets.UTF_8);
        JsonObject expected =
                JsonParser.parseString(resource(root + "expected.json")).getAsJsonObject();
        try (TextTokenizer tok =
                TextTokenizer.builder()
                        .setModelDir(dir)
                        .optTruncation(Truncation.NONE)
                        .optMaxLength(4096)
                        .build()) {
            assertEquals(expected.get("vocab_size").getAsInt(), tok.vocabSize());
            assertEquals(1, tok.padId(), "<pad> is id 1 in RoBERTa and XLM-R");
            List<String> texts = new ArrayList<>();
            List<long[]> singles = new ArrayList<>();
            for (JsonElement e : expected.getAsJsonArray("singles")) {
                JsonObject row = e.getAsJsonObject();
                String text = row.get("text").getAsString();
                Encoded enc = tok.encode(text);
                assertArrayEquals(
                        longs(row, "ids"), enc.ids(), fixture + " ids of " + List.of(text));
                assertArrayEquals(
                        longs(row, "type_ids"),
                        enc.typeIds(),
                        fixture + " types of " + List.of(text));
                texts.add(text);
                singles.add(longs(row, "ids"));
            }
            assertEquals(27, texts.size());
            Batch batch = tok.encodeBatch(texts);
            for (int i = 0; i < texts.size(); i++) {
                long[] row = new long[singles.get(i).length];
                for (int j = 0; j < row.length; j++) {
                    row[j] = batch.inputIds()[i * batch.length() + j];
                }
                assertArrayEquals(
                        singles.get(i), row, fixture + " batched " + List.of(texts.get(i)));
                for (int j = row.length; j < batch.length(); j++) {
                    assertEquals(1, batch.inputIds()[i * batch.length() + j], "padded with <pad>");
                    assertEquals(0, batch.attentionMask()[i * batch.length() + j]);
                }
            }
            for (JsonElement e : expected.getAsJsonArray("pairs")) {
                JsonObject row = e.getAsJsonObject();
                String a = row.get("text").getAsString();
                String b = row.get("pair").getAsString();
                Encoded enc = tok.encode(a, b);
                assertArrayEquals(longs(row, "ids"), enc.ids(), fixture + " pair " + List.of(a, b));
                assertArrayEquals(
                        longs(row, "type_ids"),
                        enc.typeIds(),
                        fixture + " pair types " + List.of(a, b));
                assertEquals(
                        2,
                        Arrays.stream(enc.ids()).filter(id -> id == 2).count() - 1,
                        "<s> A </s></s> B </s>");
            }
        }
    }

    private static long[] longs(JsonObject row, String key) {
        JsonArray a = row.getAsJsonArray(key);
        return a.asList().stream().mapToLong(JsonElement::getAsLong).toArray();
    }

    private static String resource(String name) throws Exception {
        try (InputStream in = EncoderTokenizerParityTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
