package dev.hubtune.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertFamily;
import dev.hubtune.models.bert.BertInit;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.gpt2.Gpt2Config;
import dev.hubtune.models.gpt2.Gpt2Family;
import dev.hubtune.models.gpt2.Gpt2Weights;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.OnnxWeights;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Training throughput and peak memory of hubtune's loop against HF transformers + PyTorch (CPU) —
 * same model directory, data, batch, sequence length and threads, each run in its own process,
 * alternated A B A B — plus cold start (a new process to its first prediction) and inference peak
 * memory of a BERT-base-shaped classifier.
 */
final class TrainingBenchmarks {

    private static final String PEER = "transformers 4.46.3 + torch 2.5.1";
    private static final int THREADS = 2;

    private TrainingBenchmarks() {}

    /** One side's measurements. */
    private record Side(Samples throughput, Samples peakMb) {
        Side() {
            this(new Samples(), new Samples());
        }
    }

    static List<Row> run(Path work, boolean quick) throws Exception {
        TensorFlowRuntime.load();
        double peak = ModelBenchmarks.matmulGflops(quick);
        String python = peerPython();
        String skip =
                python == null
                        ? "not run: no Python with torch and transformers (bench/run installs"
                                + " torch==2.5.1 transformers==4.46.3 where python3 and PyPI exist)"
                        : null;
        int rounds = quick ? 1 : 2;
        int warmup = quick ? 1 : 3;
        int steps = quick ? 3 : 12;
        List<Row> rows = new ArrayList<>();

        // all-MiniLM-L6-v2 (real weights, from its ONNX file) fine-tuned for classification.
        Path onnx = ModelBenchmarks.miniLm(Files.createDirectories(work.resolve("minilm-onnx")));
        Map<String, WeightTensor> miniLmWeights = OnnxWeights.read(onnx.resolve("model.onnx"));
        BertConfig miniLm = BertConfig.infer(miniLmWeights, 12, Activation.GELU, 1e-12);
        Path miniLmDir =
                HfExport.write(
                        new BertFamily(),
                        miniLm,
                        miniLmWeights,
                        ExportMetadata.of(ModelTask.EMBEDDING),
                        onnx,
                        work.resolve("minilm"));
        int batch = 16;
        int length = 128;
        Path csv =
                classificationData(
                        work.resolve("train.csv"), (int) ((warmup + steps + 2) * batch / 0.9));
        double perExample = length * trainFlopsPerToken(miniLm, length);
        rows.addAll(
                section(
                        "all-MiniLM-L6-v2 fine-tuning",
                        () ->
                                compare(
                                        work,
                                        python,
                                        skip,
                                        new String[] {
                                            "classification",
                                            miniLmDir.toString(),
                                            csv.toString(),
                                            "" + batch,
                                            "" + length,
                                            "" + warmup,
                                            "" + steps
                                        },
                                        rounds,
                                        "examples_per_s",
                                        "all-MiniLM-L6-v2 fine-tuning, batch 16 × 128 tokens, 2 threads (sequences/s)",
                                        "seq/s",
                                        perExample,
                                        peak,
                                        Map.of())));

        // RoBERTa and ModernBERT of MiniLM's shape (6 layers, hidden 384, 12 heads, FFN 1536),
        // seeded random weights and MiniLM's vocabulary: the same data, batch and length.
        for (String type : List.of("roberta", "modernbert")) {
            Path dir = encoderOfMiniLmShape(type, miniLmDir, work);
            Map<String, String> env = new java.util.HashMap<>();
            String missing = skip;
            if (type.equals("modernbert")) {
                // transformers 4.46.3 has no ModernBERT; bench/run puts 4.48.3 beside it.
                Path newer = Path.of("bench/.peers/transformers-4.48").toAbsolutePath();
                if (Files.isDirectory(newer.resolve("transformers"))) {
                    env.put("PYTHONPATH", newer.toString());
                } else if (missing == null) {
                    missing = "not run: ModernBERT needs transformers >= 4.48 in " + newer;
                }
            }
            String peerPython = missing == null ? python : null;
            String reason = missing;
            rows.addAll(
                    section(
                            type + " fine-tuning",
                            () ->
                                    compare(
                                            work,
                                            peerPython,
                                            reason,
                                            new String[] {
                                                "classification",
                                                dir.toString(),
                                                csv.toString(),
                                                "" + batch,
                                                "" + length,
                                                "" + warmup,
                                                "" + steps
                                            },
                                            rounds,
                                            "examples_per_s",
                                            type
                                                    + " of MiniLM's shape fine-tuning, batch 16 × 128 tokens,"
                                                    + " 2 threads (sequences/s)",
                                            "seq/s",
                                            perExample,
                                            peak,
                                            env)));
        }

        // GPT-2-small-shaped (vocab 50257, hidden 768, 12 heads) with reduced depth, causal LM.
        int layers = quick ? 2 : 4;
        Gpt2Config gpt2 = new Gpt2Config(50257, 1024, 768, layers, 12, 3072, 1e-5, 50256, 50256);
        Path tokenizer = Gpt2Files.write(Files.createDirectories(work.resolve("gpt2-tokenizer")));
        Path gpt2Dir =
                HfExport.write(
                        new Gpt2Family(),
                        gpt2,
                        Gpt2Weights.random(gpt2, 1),
                        ExportMetadata.of(ModelTask.CAUSAL_LM),
                        tokenizer,
                        work.resolve("gpt2"));
        int blocks = 8;
        Path corpus =
                corpus(work.resolve("corpus.txt"), (long) (warmup + steps + 2) * blocks * 128 * 2);
        rows.addAll(
                section(
                        "GPT-2 causal-LM training",
                        () ->
                                compare(
                                        work,
                                        python,
                                        skip,
                                        new String[] {
                                            "causal-lm",
                                            gpt2Dir.toString(),
                                            corpus.toString(),
                                            "" + blocks,
                                            "128",
                                            "" + warmup,
                                            "" + steps
                                        },
                                        rounds,
                                        "tokens_per_s",
                                        "GPT-2-small-shaped ("
                                                + layers
                                                + " layers) causal-LM training, batch 8 × 128 tokens, 2 threads"
                                                + " (tokens/s)",
                                        "tok/s",
                                        gpt2FlopsPerToken(gpt2, 128),
                                        peak,
                                        Map.of())));

        // SmolLM2-135M-Instruct (its GGUF from PyPI) supervised fine-tuning: every row longer than
        // the length, so both sides train on exactly batch × length tokens per step.
        rows.addAll(
                section(
                        "SmolLM2 SFT",
                        () -> {
                            Path smol = DecoderBenchmarks.smolLm2(work);
                            int sftBatch = 4;
                            int sftLength = 128;
                            Path chats =
                                    sftData(
                                            work.resolve("chats.jsonl"),
                                            (warmup + steps + 2) * sftBatch * 2);
                            return compare(
                                    work,
                                    python,
                                    skip,
                                    new String[] {
                                        "sft",
                                        smol.toString(),
                                        chats.toString(),
                                        "" + sftBatch,
                                        "" + sftLength,
                                        "" + Math.min(warmup, 2),
                                        "" + (quick ? 2 : 6)
                                    },
                                    1,
                                    "tokens_per_s",
                                    "SmolLM2-135M SFT (full fine-tuning, float32), batch 4 × 128"
                                            + " tokens, 2 threads (tokens/s)",
                                    "tok/s",
                                    smolLm2FlopsPerToken(sftLength),
                                    peak,
                                    Map.of());
                        }));

        // The same two runs training LoRA adapters (r 8, alpha 8 on PEFT's default layers, the
        // classifier in full) against transformers + peft 0.13.2: the memory LoRA saves and the
        // speed it gains (no weight gradients, no Adam moments for the frozen base).
        rows.addAll(
                section(
                        "all-MiniLM-L6-v2 LoRA fine-tuning",
                        () ->
                                compare(
                                        work,
                                        python,
                                        skip,
                                        new String[] {
                                            "classification-lora",
                                            miniLmDir.toString(),
                                            csv.toString(),
                                            "" + batch,
                                            "" + length,
                                            "" + warmup,
                                            "" + steps
                                        },
                                        rounds,
                                        "examples_per_s",
                                        "all-MiniLM-L6-v2 LoRA (r 8) fine-tuning, batch 16 × 128 tokens, 2 threads, vs transformers + peft 0.13.2 (sequences/s)",
                                        "seq/s",
                                        perExample,
                                        peak,
                                        Map.of())));
        rows.addAll(
                section(
                        "GPT-2 LoRA causal-LM training",
                        () ->
                                compare(
                                        work,
                                        python,
                                        skip,
                                        new String[] {
                                            "causal-lm-lora",
                                            gpt2Dir.toString(),
                                            corpus.toString(),
                                            "" + blocks,
                                            "128",
                                            "" + warmup,
                                            "" + steps
                                        },
                                        rounds,
                                        "tokens_per_s",
                                        "GPT-2-small-shaped ("
                                                + layers
                                                + " layers) LoRA (r 8) causal-LM training, batch 8 × 128 tokens, 2 threads, vs transformers + peft 0.13.2"
                                                + " (tokens/s)",
                                        "tok/s",
                                        gpt2FlopsPerToken(gpt2, 128),
                                        peak,
                                        Map.of())));

        rows.addAll(section("cold start", () -> coldStart(work, python, skip, onnx, quick)));
        return rows;
    }

    /** A part of this benchmark; when it fails, its row says so and the others still run. */
    private static List<Row> section(String name, java.util.concurrent.Callable<List<Row>> rows) {
        try {
            return rows.call();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(TrainingBenchmarks.class).error("{} failed", name, e);
            return List.of(
                    new Row(
                            name,
                            "failed: " + Bench.abbreviate(String.valueOf(e.getMessage())),
                            "—",
                            "—",
                            "—",
                            "failed"));
        }
    }

    /** 6·N for the dense layers plus the attention term, per trained token (forward ×3). */
    private static double trainFlopsPerToken(BertConfig c, int context) {
        double h = c.hiddenSize();
        double dense = c.numLayers() * (4 * h * h + 2 * h * c.intermediateSize());
        return 6 * dense + 12.0 * c.numLayers() * context * h;
    }

    /**
     * SmolLM2-135M: 30 layers of GQA attention (576 → 9×64 queries, 3×64 keys and values) and
     * SwiGLU 1536, plus the 49,152-row head.
     */
    private static double smolLm2FlopsPerToken(int context) {
        double h = 576;
        double attention = h * 576 + 2 * h * 192 + 576 * h;
        double dense = 30 * (attention + 3 * h * 1536) + 49152 * h;
        return 6 * dense + 12.0 * 30 * context * 576;
    }

    /** A random encoder of MiniLM's shape in HF format, with MiniLM's tokenizer. */
    private static Path encoderOfMiniLmShape(String type, Path miniLmDir, Path work)
            throws Exception {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", type);
        c.put("hidden_size", 384);
        c.put("num_hidden_layers", 6);
        c.put("num_attention_heads", 12);
        c.put("intermediate_size", 1536);
        c.put("max_position_embeddings", type.equals("roberta") ? 514 : 8192);
        if (type.equals("roberta")) {
            c.put("type_vocab_size", 1);
        }
        Path config = work.resolve(type + "-config.json");
        Files.writeString(config, new com.google.gson.Gson().toJson(c));
        Path out = work.resolve(type);
        if (Files.isDirectory(out)) {
            return out;
        }
        return dev.hubtune.models.init.ModelInitializer.createFromConfig(config, miniLmDir, out, 1);
    }

    /** Prompt/completion rows whose completions alone are longer than 128 tokens. */
    private static Path sftData(Path file, int rows) throws IOException {
        Random r = new Random(11);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            String prompt = String.join(" ", words(r, 12));
            String completion = String.join(" ", words(r, 200));
            sb.append(
                            new com.google.gson.Gson()
                                    .toJson(Map.of("prompt", prompt, "completion", completion)))
                    .append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    /** As above, plus the tied LM head (vocab × hidden) GPT-2 runs at every position. */
    private static double gpt2FlopsPerToken(Gpt2Config c, int context) {
        double h = c.hiddenSize();
        double dense =
                c.numLayers() * (4 * h * h + 2 * h * c.innerSize()) + (double) c.vocabSize() * h;
        return 6 * dense + 12.0 * c.numLayers() * context * h;
    }

    private static List<Row> compare(
            Path work,
            String python,
            String skip,
            String[] args,
            int rounds,
            String key,
            String metric,
            String unit,
            double flopsPerUnit,
            double peak,
            Map<String, String> peerEnv)
            throws Exception {
        Side ours = new Side();
        Side peer = new Side();
        for (int r = 0; r < rounds; r++) {
            JsonObject a =
                    lastJson(
                            javaProbe(
                                    TrainingProbe.class,
                                    args[0],
                                    args[1],
                                    args[2],
                                    work.resolve("run-" + args[0]).toString(),
                                    args[3],
                                    args[4],
                                    args[5],
                                    args[6],
                                    "" + THREADS));
            ours.throughput().add(a.get(key).getAsDouble());
            ours.peakMb().add(a.get("peak_rss_mb").getAsDouble());
            if (python != null) {
                List<String> command =
                        new ArrayList<>(List.of(python, "bench/peers/torch_train.py"));
                command.addAll(List.of(args));
                command.add("" + THREADS);
                JsonObject b = lastJson(run(command, peerEnv));
                peer.throughput().add(b.get(key).getAsDouble());
                peer.peakMb().add(b.get("peak_rss_mb").getAsDouble());
            }
        }
        double gflops = ours.throughput().median() * flopsPerUnit / 1e9;
        String mine =
                ours.throughput().format(unit, 1)
                        + String.format(
                                Locale.ROOT,
                                ", %.1f GFLOP/s = %.0f%% of matmul peak",
                                gflops,
                                100 * gflops / peak);
        List<Row> rows = new ArrayList<>();
        if (python == null) {
            rows.add(new Row(metric, mine, skip, "—", "≥ 1.0× peer", "n/a"));
            rows.add(
                    new Row(
                            metric.replaceAll(" \\([^)]*\\)$", "") + ": peak memory (MB)",
                            ours.peakMb().format("MB", 0),
                            skip,
                            "—",
                            "report",
                            "n/a"));
            return rows;
        }
        double ratio = ours.throughput().median() / peer.throughput().median();
        rows.add(
                new Row(
                        metric,
                        mine,
                        PEER + " " + peer.throughput().format(unit, 1),
                        String.format(Locale.ROOT, "%.2f× its throughput", ratio),
                        "≥ 1.0× peer",
                        ratio >= 1.0 ? "met" : "missed"));
        rows.add(
                peerOverOurs(
                        metric.replaceAll(" \\([^)]*\\)$", "") + ": peak resident memory (MB)",
                        ours.peakMb(),
                        peer.peakMb(),
                        "MB",
                        0));
        return rows;
    }

    /**
     * A new process to its first prediction (natives already extracted, a warm-up process run
     * first), and the peak memory after a further batch of 32 × 128 tokens, for a BERT-base-shaped
     * classifier (110M parameters, seeded random weights, bert-base-uncased's vocabulary).
     */
    private static List<Row> coldStart(
            Path work, String python, String skip, Path tokenizerDir, boolean quick)
            throws Exception {
        BertConfig base = new BertConfig(30522, 768, 12, 12, 3072, 512, 2, 1e-12, Activation.GELU);
        Map<String, WeightTensor> weights = new LinkedHashMap<>(BertInit.random(base, 1));
        weights.put("classifier.weight", BertInit.normal(new Random(1), 768, 2));
        weights.put("classifier.bias", WeightTensor.zeros(2));
        Path dir =
                HfExport.write(
                        new BertFamily(),
                        base,
                        weights,
                        ExportMetadata.sequenceClassifier(List.of("neg", "pos"), Pooling.MEAN),
                        tokenizerDir,
                        work.resolve("bert-base-classifier"));
        String text = String.join(" ", words(new Random(3), 160));
        int rounds = quick ? 1 : 3;
        Samples oursStart = new Samples();
        Samples peerStart = new Samples();
        Samples oursPeak = new Samples();
        Samples peerPeak = new Samples();
        List<String> peerCommand =
                python == null
                        ? null
                        : List.of(
                                python,
                                "bench/peers/torch_cold_start.py",
                                dir.toString(),
                                text,
                                "128",
                                "" + THREADS);
        List<String> ourCommand = javaCommand(ColdStartProbe.class, dir.toString(), text, "128");
        run(ourCommand); // natives extracted, files cached: later runs measure a warm machine
        if (peerCommand != null) {
            run(peerCommand);
        }
        for (int r = 0; r < rounds; r++) {
            double[] a = timedFirstLine(ourCommand);
            oursStart.add(a[0]);
            oursPeak.add(a[1]);
            if (peerCommand != null) {
                double[] b = timedFirstLine(peerCommand);
                peerStart.add(b[0]);
                peerPeak.add(b[1]);
            }
        }
        String metric = "BERT-base-shaped classifier: new process to first prediction (s)";
        String memory =
                "BERT-base-shaped classifier: peak resident memory, load + batch 32 × 128 (MB)";
        if (peerCommand == null) {
            return List.of(
                    new Row(metric, oursStart.format("s", 2), skip, "—", "report", "n/a"),
                    new Row(memory, oursPeak.format("MB", 0), skip, "—", "report", "n/a"));
        }
        return List.of(
                peerOverOurs(metric, oursStart, peerStart, "s", 2),
                peerOverOurs(memory, oursPeak, peerPeak, "MB", 0));
    }

    /** A row reported as the peer's value over ours (no goal: lower is better for both). */
    private static Row peerOverOurs(
            String metric, Samples ours, Samples peer, String unit, int decimals) {
        return new Row(
                metric,
                ours.format(unit, decimals),
                PEER + " " + peer.format(unit, decimals),
                String.format(Locale.ROOT, "%.2f× (peer ÷ hubtune)", peer.median() / ours.median()),
                "report",
                "n/a");
    }

    /** Seconds from process start to its "first" line, and the peak memory it reports. */
    private static double[] timedFirstLine(List<String> command) throws Exception {
        long start = System.nanoTime();
        Process p =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        double seconds = -1;
        String last = null;
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("first ") && seconds < 0) {
                    seconds = (System.nanoTime() - start) / 1e9;
                }
                last = line;
            }
        }
        if (p.waitFor() != 0 || seconds < 0 || last == null) {
            throw new IllegalStateException(command.get(0) + " cold-start probe failed: " + last);
        }
        return new double[] {
            seconds, JsonParser.parseString(last).getAsJsonObject().get("peak_rss_mb").getAsDouble()
        };
    }

    private static String javaProbe(Class<?> main, String... args) throws Exception {
        return run(javaCommand(main, args));
    }

    private static List<String> javaCommand(Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx3g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }

    private static String run(List<String> command) throws Exception {
        return run(command, Map.of());
    }

    private static String run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(
                    String.join(" ", command.subList(0, Math.min(3, command.size())))
                            + " failed: "
                            + Bench.abbreviate(out));
        }
        return out;
    }

    private static JsonObject lastJson(String out) {
        String[] lines = out.strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    /** The Python of bench/run's environment, if it has torch and transformers. */
    static String peerPython() {
        String python = System.getProperty("hubtune.bench.python");
        if (python == null) {
            return null;
        }
        try {
            Process p =
                    new ProcessBuilder(python, "-c", "import torch, transformers")
                            .redirectErrorStream(true)
                            .start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0 ? python : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    private static List<String> words(Random r, int n) {
        List<String> words = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 3 + r.nextInt(6); k > 0; k--) {
                w.append((char) ('a' + r.nextInt(26)));
            }
            words.add(w.toString());
        }
        return words;
    }

    /** Two-class CSV of {@code rows} texts of 160 random words (past 128 tokens, truncated). */
    static Path classificationData(Path file, int rows) throws IOException {
        Random r = new Random(7);
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 0; i < rows; i++) {
            sb.append(String.join(" ", words(r, 160)))
                    .append(',')
                    .append(i % 2 == 0 ? "a" : "b")
                    .append('\n');
        }
        return Files.writeString(file, sb);
    }

    /** Blank-line separated documents of random words, about {@code tokens} GPT-2 tokens. */
    private static Path corpus(Path file, long tokens) throws IOException {
        Random r = new Random(8);
        StringBuilder sb = new StringBuilder();
        // random lowercase words average about 2.5 GPT-2 tokens
        for (long words = 0; words < tokens / 2; words += 200) {
            sb.append(String.join(" ", words(r, 200))).append("\n\n");
        }
        return Files.writeString(file, sb);
    }
}
