package dev.hubtune.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import dev.hubtune.tokenizers.testing.TestCorpus;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Tokenizer throughput on the parity corpus: hubtune's pipeline against the raw DJL tokenizer on
 * the same tokenizer.json (overhead goal ≤ 10%), with 1 and 2 threads and as batches; GPT-2 against
 * jtokkit.
 */
final class TokenizerBenchmarks {

    private TokenizerBenchmarks() {}

    /** One measured workload: encodes the corpus, returns the number of tokens produced. */
    private interface Workload {
        long run(List<String> texts) throws Exception;
    }

    static List<Row> run(Path work, boolean quick) throws Exception {
        List<String> corpus = TestCorpus.lines(1L, quick ? 4000 : 20000);
        double megabytes =
                corpus.stream().mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length).sum()
                        / 1048576.0;
        int rounds = quick ? 3 : 7;
        Path bert = Files.createDirectories(work.resolve("minilm"));
        try (InputStream in =
                TokenizerBenchmarks.class
                        .getClassLoader()
                        .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, bert.resolve("tokenizer.json"));
        }
        Path gpt2 = Gpt2Files.write(Files.createDirectories(work.resolve("gpt2")));
        List<Row> rows = new ArrayList<>();
        try (TextTokenizer ours =
                        TextTokenizer.builder().setModelDir(bert).optMaxLength(512).build();
                HuggingFaceTokenizer raw =
                        HuggingFaceTokenizer.newInstance(
                                bert.resolve("tokenizer.json"),
                                Map.of(
                                        "truncation",
                                        "true",
                                        "maxLength",
                                        "512",
                                        "padding",
                                        "false"))) {
            for (int threads : new int[] {1, 2}) {
                rows.add(
                        compare(
                                "BERT encode, " + threads + " thread(s), vs raw DJL",
                                corpus,
                                megabytes,
                                rounds,
                                texts ->
                                        parallel(
                                                texts,
                                                threads,
                                                t -> (long) ours.encode(t).length()),
                                texts ->
                                        parallel(
                                                texts,
                                                threads,
                                                t -> (long) raw.encode(t).getIds().length),
                                "DJL HuggingFaceTokenizer",
                                0.9));
            }
            rows.add(
                    compare(
                            "BERT batch encode (32) + padding, vs raw DJL batchEncode",
                            corpus,
                            megabytes,
                            rounds,
                            texts -> batches(texts, b -> ours.encodeBatch(b).realTokens()),
                            texts ->
                                    batches(
                                            texts,
                                            b -> {
                                                long n = 0;
                                                for (var e : raw.batchEncode(b)) {
                                                    n += e.getIds().length;
                                                }
                                                return n;
                                            }),
                            "DJL HuggingFaceTokenizer",
                            0.9));
        }
        Encoding jtokkit =
                Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        try (TextTokenizer ours =
                TextTokenizer.builder().setModelDir(gpt2).optMaxLength(1_000_000).build()) {
            rows.add(
                    compare(
                            "GPT-2 encode, 1 thread, vs jtokkit r50k",
                            corpus,
                            megabytes,
                            rounds,
                            texts -> parallel(texts, 1, t -> (long) ours.encode(t).length()),
                            texts ->
                                    parallel(
                                            texts, 1, t -> (long) jtokkit.encodeOrdinary(t).size()),
                            "jtokkit 1.1.0",
                            1.0));
        }
        rows.add(
                new Row(
                        "tokenizer throughput vs Python HF tokenizers",
                        "—",
                        "not run: the harness installs no Python peers yet",
                        "—",
                        "(context)",
                        "n/a"));
        return rows;
    }

    private static Row compare(
            String metric,
            List<String> corpus,
            double megabytes,
            int rounds,
            Workload ours,
            Workload peer,
            String peerName,
            double goal)
            throws Exception {
        ours.run(corpus.subList(0, Math.min(1000, corpus.size()))); // warm-up of both
        peer.run(corpus.subList(0, Math.min(1000, corpus.size())));
        Samples a = new Samples();
        Samples b = new Samples();
        long tokens = 0;
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            tokens = ours.run(corpus);
            a.add(tokens / ((System.nanoTime() - t) / 1e9) / 1e3);
            t = System.nanoTime();
            long peerTokens = peer.run(corpus);
            b.add(peerTokens / ((System.nanoTime() - t) / 1e9) / 1e3);
        }
        double ratio = a.median() / b.median();
        double mbPerSecond = megabytes / (tokens / 1e3 / a.median());
        return new Row(
                metric + " (k tokens/s)",
                a.format("k tok/s", 0) + String.format(Locale.ROOT, ", %.1f MB/s", mbPerSecond),
                peerName + " " + b.format("k tok/s", 0),
                String.format(Locale.ROOT, "%.2f", ratio),
                goal < 1
                        ? "≥ " + goal + " (overhead ≤ " + Math.round((1 - goal) * 100) + "%)"
                        : "≥ " + goal,
                ratio >= goal ? "met" : "missed");
    }

    private interface PerText {
        long apply(String text) throws Exception;
    }

    private interface PerBatch {
        long apply(List<String> batch) throws Exception;
    }

    private static long parallel(List<String> texts, int threads, PerText f) throws Exception {
        if (threads == 1) {
            long n = 0;
            for (String t : texts) {
                n += f.apply(t);
            }
            return n;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> parts = new ArrayList<>();
            int chunk = (texts.size() + threads - 1) / threads;
            for (int i = 0; i < threads; i++) {
                List<String> part =
                        texts.subList(i * chunk, Math.min(texts.size(), (i + 1) * chunk));
                parts.add(pool.submit(() -> parallel(part, 1, f)));
            }
            long n = 0;
            for (Future<Long> p : parts) {
                n += p.get();
            }
            return n;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long batches(List<String> texts, PerBatch f) throws Exception {
        long n = 0;
        for (int i = 0; i < texts.size(); i += 32) {
            n += f.apply(texts.subList(i, Math.min(texts.size(), i + 32)));
        }
        return n;
    }
}
