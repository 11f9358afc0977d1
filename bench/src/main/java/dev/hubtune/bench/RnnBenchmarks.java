package dev.hubtune.bench;

import com.google.gson.JsonObject;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * hubtune's {@code nn.Lstm}/{@code nn.Gru} against PyTorch's {@code nn.LSTM}/{@code nn.GRU} on CPU:
 * training throughput and inference latency, the same shapes and threads, each side in its own
 * process, alternated A B A B ({@link RnnProbe}, {@code bench/peers/torch_rnn.py}). An LSTM trains
 * unrolled and infers on TensorFlow's fused {@code BlockLSTMV2} kernel by default; its rows also
 * measure the other kernel in the same run (fused training through the hand-wired gradient).
 */
final class RnnBenchmarks {

    private RnnBenchmarks() {}

    static List<Row> run(Path work, boolean quick) throws Exception {
        TensorFlowRuntime.load();
        String python = peerPython();
        int rounds = quick ? 1 : 3;
        String warmup = quick ? "1" : "3";
        String iterations = quick ? "3" : "10";
        // Tang et al. 2019's student scale: a 1-layer BiLSTM of 128 units per direction over
        // 64 tokens of 128-wide embeddings, batch 32.
        String[] shape = {"32", "64", "128", "128", "1"};
        List<Row> rows = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            for (String cell : List.of("lstm", "gru")) {
                rows.add(
                        compare(
                                "train",
                                cell,
                                shape,
                                warmup,
                                iterations,
                                threads,
                                rounds,
                                python,
                                "Bi"
                                        + cell.toUpperCase(Locale.ROOT)
                                        + " training step, batch 32 × 64 steps, input 128, 128"
                                        + " units per direction, SGD, "
                                        + threads
                                        + (threads == 1 ? " thread" : " threads")
                                        + " (sequences/s)"));
            }
        }
        // Inference at the distillation student's scale (SpamAssassinBenchmark): one layer of 96
        // units per direction over 128 tokens of 64-d embeddings, 1 thread.
        for (String batch : List.of("1", "32")) {
            String[] student = {batch, "128", "64", "96", "1"};
            String calls = batch.equals("1") ? (quick ? "50" : "200") : (quick ? "10" : "40");
            for (String cell : List.of("lstm", "gru")) {
                rows.add(
                        compare(
                                "infer",
                                cell,
                                student,
                                "10",
                                calls,
                                1,
                                rounds,
                                python,
                                "Bi"
                                        + cell.toUpperCase(Locale.ROOT)
                                        + " inference, batch "
                                        + batch
                                        + " × 128 steps, input 64, 96 units per direction,"
                                        + " 1 thread (ms per batch)"));
            }
        }
        return rows;
    }

    /**
     * One row: {@code mode} ({@code train}: sequences/s, {@code infer}: median ms per batch) of
     * hubtune (an LSTM fused and unrolled) against torch.
     */
    private static Row compare(
            String mode,
            String cell,
            String[] shape,
            String warmup,
            String iterations,
            int threads,
            int rounds,
            String python,
            String metric)
            throws Exception {
        boolean training = mode.equals("train");
        String key = training ? "sequences_per_s" : "median_ms";
        String unit = training ? "seq/s" : "ms";
        int decimals = training ? 1 : 2;
        Samples ours = new Samples();
        Samples other = new Samples(); // an LSTM's other kernel
        Samples peer = new Samples();
        String torch = "torch";
        boolean lstm = cell.equals("lstm");
        for (int r = 0; r < rounds; r++) {
            List<String> args = new ArrayList<>(List.of(cell));
            args.addAll(List.of(shape));
            args.addAll(List.of(warmup, iterations, "" + threads));
            ours.add(probe(mode, args).get(key).getAsDouble());
            if (lstm) {
                other.add(
                        probe(mode + (training ? "-fused" : "-unrolled"), args)
                                .get(key)
                                .getAsDouble());
            }
            if (python != null) {
                List<String> command =
                        new ArrayList<>(List.of(python, "bench/peers/torch_rnn.py", mode));
                command.addAll(args);
                JsonObject b = lastJson(run(command));
                peer.add(b.get(key).getAsDouble());
                torch = "torch " + b.get("torch").getAsString();
            }
        }
        // throughput: ours / theirs; latency: ours / theirs as well ("× its latency")
        // the default kernel (training unrolled, inference fused) first, then the other one
        String hubtune =
                lstm
                        ? (training ? "unrolled " : "fused ")
                                + ours.format(unit, decimals)
                                + String.format(
                                        Locale.ROOT,
                                        "; %s %s (%.2f× the default's %s)",
                                        training ? "fused" : "unrolled",
                                        other.format(unit, decimals),
                                        other.median() / ours.median(),
                                        training ? "throughput" : "latency")
                        : "unrolled " + ours.format(unit, decimals);
        if (python == null) {
            return new Row(metric, hubtune, "not run: no Python with torch", "—", "report", "n/a");
        }
        return new Row(
                metric,
                hubtune,
                torch + " nn." + cell.toUpperCase(Locale.ROOT) + " " + peer.format(unit, decimals),
                String.format(
                        Locale.ROOT,
                        "%.2f× its %s",
                        ours.median() / peer.median(),
                        training ? "throughput" : "latency"),
                "report",
                "n/a");
    }

    private static JsonObject probe(String mode, List<String> args) throws Exception {
        List<String> all = new ArrayList<>(List.of(mode));
        all.addAll(args);
        return lastJson(javaProbe(RnnProbe.class, all.toArray(String[]::new)));
    }

    /** The Python bench/run passes ({@code hubtune.bench.python}), if it has torch. */
    private static String peerPython() {
        String python = System.getProperty("hubtune.bench.python");
        if (python == null) {
            return null;
        }
        try {
            Process p =
                    new ProcessBuilder(python, "-c", "import torch")
                            .redirectErrorStream(true)
                            .start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0 ? python : null;
        } catch (java.io.IOException | InterruptedException e) {
            return null;
        }
    }

    private static String javaProbe(Class<?> main, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx3g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return run(command);
    }

    private static String run(List<String> command) throws Exception {
        Process p =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out =
                new String(
                        p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
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
        return com.google.gson.JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }
}
