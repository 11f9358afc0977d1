package dev.hubtune.tokenizers.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.Truncation;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corpus reading and block packing: nothing lost, nothing duplicated, labels shifted by one. */
class PackedBlocksTest {

    @TempDir Path dir;

    private static final int EOS = 50256;

    @Test
    void noTokenIsLostOrDuplicatedAcrossBlockBoundaries() throws Exception {
        Gpt2Files.write(dir);
        Random r = new Random(5);
        List<String> texts = new ArrayList<>();
        for (int d = 0; d < 40; d++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + r.nextInt(60); // some documents longer than a block
            for (int w = 0; w < words; w++) {
                sb.append(w == 0 ? "" : " ").append(Integer.toString(r.nextInt(100_000), 36));
            }
            texts.add(sb.toString());
        }
        List<int[]> docs = new ArrayList<>();
        try (TextTokenizer tok =
                TextTokenizer.builder()
                        .setModelDir(dir)
                        .optTruncation(Truncation.NONE)
                        .optMaxLength(Integer.MAX_VALUE)
                        .optAddSpecialTokens(false)
                        .build()) {
            for (String t : texts) {
                docs.add(Arrays.stream(tok.encode(t).ids()).mapToInt(Math::toIntExact).toArray());
            }
        }
        List<Integer> stream = new ArrayList<>();
        for (int[] d : docs) {
            Arrays.stream(d).forEach(stream::add);
            stream.add(EOS);
        }
        for (int blockSize : new int[] {2, 7, 16, 64, stream.size(), stream.size() + 5}) {
            List<PackedBlocks.Block> blocks = PackedBlocks.pack(docs, EOS, blockSize, EOS);
            List<Integer> inputs = new ArrayList<>();
            List<Integer> targets = new ArrayList<>();
            for (int b = 0; b < blocks.size(); b++) {
                PackedBlocks.Block block = blocks.get(b);
                assertEquals(blockSize, block.ids().length, "every block has the block size");
                if (b < blocks.size() - 1) {
                    assertEquals(blockSize, block.tokens(), "only the last block is padded");
                }
                for (int t = 0; t < blockSize; t++) {
                    if (t < block.tokens()) {
                        inputs.add(block.ids()[t]);
                    } else {
                        assertEquals(PackedBlocks.IGNORE, block.labels()[t], "padding is masked");
                    }
                    if (block.labels()[t] != PackedBlocks.IGNORE) {
                        targets.add(block.labels()[t]);
                    }
                }
            }
            assertEquals(
                    stream, inputs, "blocks concatenate to the stream (block " + blockSize + ")");
            assertEquals(
                    stream.subList(1, stream.size()),
                    targets,
                    "each token after the first is the target exactly once (block "
                            + blockSize
                            + ")");
        }
    }

    @Test
    void labelsAreTheNextTokenEvenAtTheLastPositionOfABlock() {
        List<int[]> docs = List.of(new int[] {1, 2, 3}, new int[] {4, 5});
        // stream: 1 2 3 E 4 5 E
        List<PackedBlocks.Block> blocks = PackedBlocks.pack(docs, 9, 3, 0);
        assertEquals(3, blocks.size());
        assertArrayEquals(new int[] {1, 2, 3}, blocks.get(0).ids());
        assertArrayEquals(new int[] {2, 3, 9}, blocks.get(0).labels());
        assertArrayEquals(new int[] {9, 4, 5}, blocks.get(1).ids());
        assertArrayEquals(new int[] {4, 5, 9}, blocks.get(1).labels());
        assertArrayEquals(new int[] {9, 0, 0}, blocks.get(2).ids());
        int ignore = PackedBlocks.IGNORE;
        assertArrayEquals(new int[] {ignore, ignore, ignore}, blocks.get(2).labels());
        assertEquals(1, blocks.get(2).tokens());
        assertThrows(IllegalArgumentException.class, () -> PackedBlocks.pack(docs, 9, 1, 0));
    }

    @Test
    void corporaComeAsParagraphsJsonlOrCsv() throws Exception {
        Path txt = dir.resolve("corpus.txt");
        Files.writeString(txt, "first doc\nstill first\n\n\n  \nsecond doc\r\n\r\nthird\n");
        assertEquals(
                List.of("first doc\nstill first", "second doc", "third"),
                TextCorpus.documents(txt, "text"));
        Path jsonl = dir.resolve("corpus.jsonl");
        Files.writeString(jsonl, "{\"body\": \"one\"}\n{\"body\": \"two\\nlines\"}\n");
        assertEquals(List.of("one", "two\nlines"), TextCorpus.documents(jsonl, "body"));
        Path csv = dir.resolve("corpus.csv");
        Files.writeString(csv, "id,text\n1,\"a, b\"\n2,c\n");
        assertEquals(List.of("a, b", "c"), TextCorpus.documents(csv, "text"));

        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "\n\n  \n");
        DatasetException none =
                assertThrows(DatasetException.class, () -> TextCorpus.documents(empty, "text"));
        assertTrue(none.getMessage().contains("holds no text"), none.getMessage());
        DatasetException column =
                assertThrows(DatasetException.class, () -> TextCorpus.documents(csv, "body"));
        assertTrue(column.getMessage().contains("no column 'body'"), column.getMessage());
        DatasetException missing =
                assertThrows(
                        DatasetException.class,
                        () -> TextCorpus.documents(dir.resolve("nope.txt"), "text"));
        assertTrue(missing.getMessage().contains("no corpus file"), missing.getMessage());
    }

    @Test
    void aSmallWordVocabularyTokenizesEachWordToOneToken() throws Exception {
        Gpt2Files.forWords(dir, List.of("bob", "paris", "lives"));
        try (TextTokenizer tok =
                TextTokenizer.builder().setModelDir(dir).optAddSpecialTokens(false).build()) {
            assertEquals(
                    List.of("bob", "Ġlives", "Ġparis", "."),
                    Arrays.asList(tok.encode("bob lives paris.").tokens()));
            assertEquals(
                    "bob lives paris.", tok.decode(tok.encode("bob lives paris.").ids(), true));
            assertTrue(tok.tokenId("<|endoftext|>").isPresent());
        }
    }
}
