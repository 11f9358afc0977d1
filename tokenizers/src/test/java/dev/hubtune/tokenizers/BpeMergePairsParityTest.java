package dev.hubtune.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A byte-level BPE {@code tokenizer.json} as current {@code tokenizers} writes it (merges as pairs,
 * which DJL 0.28 refused) loads, and gives the ids {@code tokenizers} itself gives — and the same
 * ids as the classic {@code vocab.json} + {@code merges.txt} of the same model. The fixture and its
 * expected ids come from {@code tools/reference/bpe_tokenizer_reference.py}.
 */
class BpeMergePairsParityTest {

    private static final String ROOT = "/reference/bpe-merge-pairs/";

    @Test
    void tokenizerJsonWithMergePairsGivesTheReferenceIds(@TempDir Path dir) throws Exception {
        copy(dir, "tokenizer.json");
        assertEqualsReference(dir, TextTokenizer.Source.TOKENIZER_JSON);
    }

    @Test
    void theClassicFilesOfTheSameModelGiveTheSameIds(@TempDir Path dir) throws Exception {
        copy(dir, "vocab.json");
        copy(dir, "merges.txt");
        assertEqualsReference(dir, TextTokenizer.Source.GPT2_BPE);
    }

    private static void assertEqualsReference(Path dir, TextTokenizer.Source source)
            throws Exception {
        JsonObject expected = JsonParser.parseString(resource("expected.json")).getAsJsonObject();
        try (TextTokenizer tok =
                TextTokenizer.builder()
                        .setModelDir(dir)
                        .optAddSpecialTokens(false)
                        .optTruncation(Truncation.NONE)
                        .optMaxLength(Integer.MAX_VALUE)
                        .build()) {
            assertEquals(source, tok.source());
            assertEquals(expected.get("vocab_size").getAsInt(), tok.vocabSize());
            int n = 0;
            for (JsonElement c : expected.getAsJsonArray("cases")) {
                JsonObject row = c.getAsJsonObject();
                String text = row.get("text").getAsString();
                long[] ids =
                        row.getAsJsonArray("ids").asList().stream()
                                .mapToLong(JsonElement::getAsLong)
                                .toArray();
                assertArrayEquals(ids, tok.encode(text).ids(), "ids of " + List.of(text));
                n++;
            }
            assertEquals(27, n);
        }
    }

    private static void copy(Path dir, String name) throws Exception {
        Files.writeString(dir.resolve(name), resource(name), StandardCharsets.UTF_8);
    }

    private static String resource(String name) throws Exception {
        try (InputStream in = BpeMergePairsParityTest.class.getResourceAsStream(ROOT + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
