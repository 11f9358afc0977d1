package dev.hubtune.tokenizers.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TextTokenizerTestSupport;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CSV of one million rows streams through reading, tokenization and length-bucketed batching
 * ({@link LengthBuckets}, one bucket at a time) in a JVM whose heap (64 MB) is far smaller than the
 * data held at once would need.
 */
@Tag("slow")
class StreamingMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(StreamingMemoryTest.class);
    static final int ROWS = 1_000_000;

    /** Child JVM: stream the file, print examples, tokens, padding and peak RSS. */
    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args[0]);
        Path model = Path.of(args[1]);
        long tokens = 0;
        long examples = 0;
        long cells = 0;
        Random random = new Random(1);
        try (TextTokenizer tok =
                        TextTokenizer.builder().setModelDir(model).optMaxLength(64).build();
                DatasetReader r =
                        DatasetReader.builder()
                                .setFile(csv)
                                .setTextColumn("text")
                                .optLabelColumn("label")
                                .build()) {
            // One bucket of 32 batches of 32 in memory at a time, as a streaming epoch holds it.
            List<Encoded> bucket = new ArrayList<>();
            Optional<Example> e;
            do {
                e = r.next();
                e.ifPresent(x -> bucket.add(encode(tok, x.text())));
                if (bucket.size() == 32 * 32 || (e.isEmpty() && !bucket.isEmpty())) {
                    for (List<Encoded> batch :
                            LengthBuckets.batches(bucket, Encoded::length, 32, 32, random)) {
                        Batch padded = tok.pad(batch);
                        examples += padded.batchSize();
                        tokens += padded.realTokens();
                        cells += (long) padded.batchSize() * padded.length();
                    }
                    bucket.clear();
                }
            } while (e.isPresent());
            String rss =
                    Files.readAllLines(Path.of("/proc/self/status")).stream()
                            .filter(l -> l.startsWith("VmHWM"))
                            .findFirst()
                            .orElse("VmHWM: ?");
            System.out.println(
                    examples
                            + " "
                            + tokens
                            + " "
                            + (1.0 - (double) tokens / cells)
                            + " "
                            + rss.replaceAll("\\s+", " "));
        }
    }

    private static Encoded encode(TextTokenizer tok, String text) {
        try {
            return tok.encode(text);
        } catch (dev.hubtune.tokenizers.TokenizerException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aMillionRowsStreamInBoundedMemory(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("big.csv");
        String[] words = {
            "the", "quick", "brown", "fox", "jumped", "over", "lazy", "dog", "hello", "world"
        };
        java.util.Random random = new java.util.Random(5);
        try (BufferedWriter w = Files.newBufferedWriter(csv)) {
            w.write("text,label\n");
            for (int i = 0; i < ROWS; i++) {
                int n = 3 + random.nextInt(30);
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < n; k++) {
                    sb.append(k == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
                }
                w.write(sb + "," + (i % 2) + "\n");
            }
        }
        Path model = TextTokenizerTestSupport.bertDir(Files.createDirectories(dir.resolve("m")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "-Xmx64m",
                                "-Dhubtune.home="
                                        + System.getProperty("hubtune.home", dir.toString()),
                                "-Dhubtune.natives=" + System.getProperty("hubtune.natives", ""),
                                "-cp",
                                System.getProperty("java.class.path"),
                                StreamingMemoryTest.class.getName(),
                                csv.toString(),
                                model.toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        String[] parts = out.split(" ");
        assertEquals(ROWS, Long.parseLong(parts[0]));
        LOG.info(
                "1M-row CSV ({} MB): {} tokens, padding {}, peak RSS {} with -Xmx64m",
                Files.size(csv) >> 20,
                parts[1],
                parts[2],
                out.substring(out.indexOf("VmHWM")));
        // Rows of 5..34 tokens batched at random would be ~40% padding. Buckets round lengths up to
        // LengthBuckets.STEP (8) tokens, so a row carries at most 7 pad tokens: ~15% on rows this
        // short (mean ~20 tokens), a few percent on real documents of hundreds of tokens.
        assertTrue(Double.parseDouble(parts[2]) < 0.2, "bucketing keeps padding low: " + parts[2]);
    }
}
