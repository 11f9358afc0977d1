package dev.hubtune.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import dev.hubtune.tokenizers.testing.TestCorpus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
        Gpt2Files.write(dir);
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
