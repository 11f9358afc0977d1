package dev.hubtune.tokenizers.data;

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
 * or the reader throws {@link DatasetException} (the module's checked exception, one line naming
 * the file and line) — never another exception, an out-of-memory error or a hang.
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

    private static byte[] rest(byte[] data) {
        return data.length == 0 ? data : java.util.Arrays.copyOfRange(data, 1, data.length);
    }

    @FuzzTest(maxDuration = "30s")
    void datasetReader(byte[] data) throws IOException {
        // The first byte picks the format and whether a pair column is read; the rest is the file.
        int mode = data.length == 0 ? 0 : data[0] & 0xff;
        String ext = new String[] {"csv", "tsv", "jsonl"}[mode % 3];
        boolean pair = (mode & 0x80) != 0;
        Path file = Files.write(DIR.resolve("d." + ext), rest(data));
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
    void taggedSentences(byte[] data) throws IOException {
        String ext = data.length == 0 || data[0] % 2 == 0 ? "conll" : "jsonl";
        Path file = Files.write(DIR.resolve("t." + ext), rest(data));
        try {
            TaggedSentenceReader.builder().setFile(file).build().readAll();
        } catch (DatasetException expected) {
            // documented
        }
    }
}
