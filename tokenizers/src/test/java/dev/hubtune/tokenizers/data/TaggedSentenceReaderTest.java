package dev.hubtune.tokenizers.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaggedSentenceReaderTest {

    @TempDir Path dir;

    private List<TaggedSentence> read(String name, String content) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return TaggedSentenceReader.builder().setFile(f).build().readAll();
    }

    private String error(String name, String content) {
        return assertThrows(DatasetException.class, () -> read(name, content)).getMessage();
    }

    @Test
    void conllSentencesAreSplitByBlankLinesAndDocstartIsSkipped() throws Exception {
        List<TaggedSentence> s =
                read(
                        "train.conll",
                        "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n"
                                + "German JJ B-NP B-MISC\n\n\nPeter NNP B-NP B-PER\r\nBlackburn NNP"
                                + " I-NP I-PER\n");
        assertEquals(2, s.size());
        assertEquals(List.of("EU", "rejects", "German"), s.get(0).words());
        assertEquals(List.of("B-ORG", "O", "B-MISC"), s.get(0).tags());
        assertEquals(3, s.get(0).line());
        assertEquals(List.of("B-PER", "I-PER"), s.get(1).tags());
        assertEquals("Peter Blackburn", s.get(1).text());
        assertEquals(6, s.get(1).wordStarts()[1]);
    }

    @Test
    void aTagColumnCanBeChosen() throws Exception {
        Path f = dir.resolve("pos.txt");
        Files.writeString(f, "EU NNP B-ORG\nrejects VBZ O\n");
        List<TaggedSentence> s =
                TaggedSentenceReader.builder().setFile(f).optTagColumn(1).build().readAll();
        assertEquals(List.of("NNP", "VBZ"), s.get(0).tags());
    }

    @Test
    void jsonlWithTokensAndTags() throws Exception {
        List<TaggedSentence> s =
                read(
                        "d.jsonl",
                        "{\"tokens\": [\"Paris\", \"is\", \"nice\"], \"tags\": [\"B-LOC\", \"O\","
                                + " \"O\"]}\n\n{\"tokens\": [\"x\"], \"tags\": [\"O\"]}\n");
        assertEquals(2, s.size());
        assertEquals(List.of("B-LOC", "O", "O"), s.get(0).tags());
        assertEquals(3, s.get(1).line());
    }

    @Test
    void jsonlWithCharacterOffsetEntitiesBecomesIob2Words() throws Exception {
        List<TaggedSentence> s =
                read(
                        "d.jsonl",
                        "{\"text\": \"Ask Ada Lovelace (London), now.\", \"entities\": [{\"start\":"
                                + " 4, \"end\": 16, \"label\": \"PER\"}, [18, 24, \"LOC\"]]}\n");
        assertEquals(
                List.of("Ask", "Ada", "Lovelace", "(", "London", "),", "now."), s.get(0).words());
        assertEquals(List.of("O", "B-PER", "I-PER", "O", "B-LOC", "O", "O"), s.get(0).tags());
    }

    @Test
    void badFilesSayWhereAndWhatToDo() {
        assertTrue(
                error("a.conll", "EU B-ORG\nrejects\n").contains("a.conll:2 has a single column"));
        assertTrue(
                error("b.jsonl", "{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n")
                        .contains("b.jsonl:1 has 2 tokens but 1 tags"));
        assertTrue(
                error("c.jsonl", "{\"tokens\": [\"a\"], \"tags\": [3]}\n")
                        .contains("map tag ids to their names"));
        assertTrue(error("d.jsonl", "{\"words\": [\"a\"]}\n").contains("its fields are [words]"));
        assertTrue(
                error(
                                "e.jsonl",
                                "{\"text\": \"abc def\", \"entities\": [[0, 5, \"X\"], [4, 7, \"Y\"]]}\n")
                        .contains("overlap"));
        assertTrue(
                error("f.jsonl", "{\"text\": \"abc\", \"entities\": [[0, 9, \"X\"]]}\n")
                        .contains("outside the text"));
        assertTrue(error("g.conll", "\n\n").contains("holds no sentences"));
    }
}
