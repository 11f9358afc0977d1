package dev.hubtune.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.hubtune.tokenizers.testing.TestCorpus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2 parity against jtokkit's {@code r50k_base} (the GPT-2 encoding, an independent Java
 * implementation). The test writes GPT-2's {@code vocab.json} and {@code merges.txt} from jtokkit's
 * mergeable ranks (each multi-byte token's merges are the splits into two vocabulary tokens,
 * ordered by the token's rank, as HF's tiktoken converter does), then loads them through hubtune's
 * byte-level BPE pipeline.
 */
class Gpt2ParityTest {

    @TempDir static Path dir;

    @BeforeAll
    static void writeGpt2Files() throws Exception {
        List<String> symbols = Gpt2Bytes.symbols();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(
                                Gpt2ParityTest.class
                                        .getClassLoader()
                                        .getResourceAsStream(
                                                "com/knuddels/jtokkit/r50k_base.tiktoken"),
                                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                byte[] bytes = Base64.getDecoder().decode(parts[0]);
                StringBuilder token = new StringBuilder();
                for (byte b : bytes) {
                    token.append(symbols.get(b & 0xff));
                }
                vocab.put(token.toString(), Integer.parseInt(parts[1]));
            }
        }
        record Merge(String left, String right, int rank) {}
        List<Merge> merges = new ArrayList<>();
        for (var e : vocab.entrySet()) {
            String t = e.getKey();
            List<Merge> local = new ArrayList<>();
            for (int i = 1; i < t.length(); i++) {
                String l = t.substring(0, i);
                String r = t.substring(i);
                if (vocab.containsKey(l) && vocab.containsKey(r)) {
                    local.add(new Merge(l, r, e.getValue()));
                }
            }
            local.sort(
                    Comparator.comparing((Merge m) -> vocab.get(m.left()))
                            .thenComparing(m -> vocab.get(m.right())));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparingInt(Merge::rank)); // stable: keeps the per-token order
        vocab.put("<|endoftext|>", 50256);
        Files.writeString(dir.resolve("vocab.json"), new com.google.gson.Gson().toJson(vocab));
        StringBuilder m = new StringBuilder("#version: 0.2\n");
        merges.forEach(x -> m.append(x.left()).append(' ').append(x.right()).append('\n'));
        Files.writeString(dir.resolve("merges.txt"), m);
    }

    @Test
    void idsEqualJtokkitR50kOnTheCorpus() throws Exception {
        Encoding reference =
                Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        List<String> corpus = TestCorpus.lines(50256L, 2500);
        int mismatches = 0;
        List<String> examples = new ArrayList<>();
        try (TextTokenizer ours =
                TextTokenizer.builder().setModelDir(dir).optMaxLength(1_000_000).build()) {
            assertEquals(TextTokenizer.Source.GPT2_BPE, ours.source());
            assertEquals(50257, ours.vocabSize());
            for (String text : corpus) {
                long[] expected =
                        reference.encodeOrdinary(text).boxed().stream()
                                .mapToLong(Integer::longValue)
                                .toArray();
                long[] actual = ours.encode(text).ids();
                if (!Arrays.equals(expected, actual)) {
                    mismatches++;
                    if (examples.size() < 5) {
                        examples.add(
                                text
                                        + " -> "
                                        + Arrays.toString(expected)
                                        + " vs "
                                        + Arrays.toString(actual));
                    }
                } else if (!ours.decode(actual, false).equals(text)) {
                    mismatches++;
                    examples.add("decode differs: " + text);
                }
            }
        }
        assertEquals(
                0,
                mismatches,
                mismatches
                        + " of "
                        + corpus.size()
                        + " lines differ, e.g.\n"
                        + String.join("\n", examples));
    }

    @Test
    void endOfTextInTheTextIsTheSpecialToken() throws Exception {
        Encoding reference =
                Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        try (TextTokenizer ours = TextTokenizer.builder().setModelDir(dir).build()) {
            long[] ids = ours.encode("Hello<|endoftext|>World").ids();
            long[] hello =
                    reference.encodeOrdinary("Hello").boxed().stream()
                            .mapToLong(Integer::longValue)
                            .toArray();
            long[] world =
                    reference.encodeOrdinary("World").boxed().stream()
                            .mapToLong(Integer::longValue)
                            .toArray();
            long[] expected = new long[hello.length + 1 + world.length];
            System.arraycopy(hello, 0, expected, 0, hello.length);
            expected[hello.length] = 50256;
            System.arraycopy(world, 0, expected, hello.length + 1, world.length);
            assertArrayEquals(expected, ids);
            assertEquals(512, ours.maxLength(), "no config.json: the default maximum applies");
        }
    }
}
