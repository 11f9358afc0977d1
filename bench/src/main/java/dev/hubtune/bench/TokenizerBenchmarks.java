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
        rows.addAll(python(work, bert, corpus, megabytes, rounds));
        return rows;
    }

    /** HF tokenizers in Python on the same file and corpus, when bench/run could install it. */
    private static List<Row> python(
            Path work, Path bert, List<String> corpus, double megabytes, int rounds)
            throws Exception {
        String python = System.getProperty("hubtune.bench.python");
        Path script = Path.of("bench/peers/hf_tokenizers.py");
        if (python == null || !Files.isRegularFile(script)) {
            return List.of(
                    new Row(
                            "BERT encode vs Python HF tokenizers",
                            "—",
                            "not run: no Python with tokenizers==0.20.3 (bench/run installs it where python3 and PyPI exist)",
                            "—",
                            "≥ 0.9",
                            "n/a"));
        }
        Path corpusFile = work.resolve("corpus.jsonl");
        com.google.gson.Gson gson = new com.google.gson.Gson();
        Files.write(corpusFile, corpus.stream().map(gson::toJson).toList(), StandardCharsets.UTF_8);
        List<Row> rows = new ArrayList<>();
        try (TextTokenizer ours =
                TextTokenizer.builder().setModelDir(bert).optMaxLength(512).build()) {
            for (String mode : List.of("single", "batch")) {
                Workload mine =
                        mode.equals("single")
                                ? texts -> parallel(texts, 1, t -> (long) ours.encode(t).length())
                                : texts -> batches(texts, b -> ours.encodeBatch(b).realTokens());
                mine.run(corpus.subList(0, Math.min(1000, corpus.size())));
                Samples a = new Samples();
                Samples b = new Samples();
                for (int i = 0; i < rounds; i++) {
                    long t = System.nanoTime();
                    long tokens = mine.run(corpus);
                    a.add(tokens / ((System.nanoTime() - t) / 1e9) / 1e3);
                    Process p =
                            new ProcessBuilder(
                                            python,
                                            script.toString(),
                                            bert.resolve("tokenizer.json").toString(),
                                            corpusFile.toString(),
                                            mode)
                                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                                    .start();
                    String out =
                            new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (p.waitFor() != 0) {
                        throw new IllegalStateException("python peer failed: " + out);
                    }
                    var o = com.google.gson.JsonParser.parseString(out).getAsJsonObject();
                    b.add(o.get("tokens").getAsLong() / o.get("seconds").getAsDouble() / 1e3);
                }
                double ratio = a.median() / b.median();
                rows.add(
                        new Row(
                                "BERT "
                                        + (mode.equals("single")
                                                ? "encode, 1 thread"
                                                : "batch encode (32)")
                                        + ", vs Python HF tokenizers 0.20.3 (k tokens/s)",
                                a.format("k tok/s", 0),
                                "Python tokenizers " + b.format("k tok/s", 0),
                                String.format(Locale.ROOT, "%.2f", ratio),
                                "≥ 0.9",
                                ratio >= 0.9 ? "met" : "missed"));
            }
        }
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
