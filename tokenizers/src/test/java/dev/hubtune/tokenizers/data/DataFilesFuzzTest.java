package dev.hubtune.tokenizers.data;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Tag;

/**
 * Fuzz targets for the readers of users' data files: CSV/TSV/JSONL ({@link DatasetReader}) and
 * CoNLL/JSONL tagged sentences ({@link TaggedSentenceReader}). The contract: each record comes back
 * or the reader throws {@link DatasetException} (the module's checked exception, one line naming the
 * file and line) — never another exception, an out-of-memory error or a hang.
 */
@Tag("fuzz")
class DataFilesFuzzTest {

    private static final Path DIR = tempDir();

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("hubtune-fuzz-data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void datasetReader(FuzzedDataProvider data) throws IOException {
        String ext = data.pickValue(new String[] {"csv", "tsv", "jsonl"});
        boolean pair = data.consumeBoolean();
        Path file = Files.write(DIR.resolve("d." + ext), data.consumeRemainingAsBytes());
        DatasetReader.Builder b =
                DatasetReader.builder()
                        .setFile(file)
                        .setTextColumn("text")
                        .optLabelColumn("label")
                        .optMaxChars(10_000);
        if (pair) {
            b.optTextPairColumn("pair");
        }
        try (DatasetReader r = b.build()) {
            Optional<Example> e;
            while ((e = r.next()).isPresent()) {
                e.get().text();
            }
        } catch (DatasetException expected) {
            // documented
        }
    }

    @FuzzTest(maxDuration = "30s")
    void taggedSentences(FuzzedDataProvider data) throws IOException {
        String ext = data.pickValue(new String[] {"conll", "jsonl"});
        Path file = Files.write(DIR.resolve("t." + ext), data.consumeRemainingAsBytes());
        try {
            TaggedSentenceReader.builder().setFile(file).build().readAll();
        } catch (DatasetException expected) {
            // documented
        }
    }
}
