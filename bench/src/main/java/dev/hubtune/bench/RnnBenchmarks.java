package dev.hubtune.bench;

import com.google.gson.JsonObject;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training throughput of hubtune's unrolled {@code nn.Lstm}/{@code nn.Gru} against PyTorch's {@code
 * nn.LSTM}/{@code nn.GRU} on CPU: the same shapes, loss, SGD step and threads, each side in its own
 * process, alternated A B A B ({@link RnnProbe}, {@code bench/peers/torch_rnn.py}).
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
                rows.add(compare(cell, threads, shape, warmup, iterations, rounds, python));
            }
        }
        return rows;
    }

    private static Row compare(
            String cell,
            int threads,
            String[] shape,
            String warmup,
            String iterations,
            int rounds,
            String python)
            throws Exception {
        Samples ours = new Samples();
        Samples peer = new Samples();
        String torch = "torch";
        for (int r = 0; r < rounds; r++) {
            List<String> args = new ArrayList<>(List.of(cell));
            args.addAll(List.of(shape));
            args.addAll(List.of(warmup, iterations, "" + threads));
            JsonObject a = lastJson(javaProbe(RnnProbe.class, args.toArray(String[]::new)));
            ours.add(a.get("sequences_per_s").getAsDouble());
            if (python != null) {
                List<String> command = new ArrayList<>(List.of(python, "bench/peers/torch_rnn.py"));
                command.addAll(args);
                JsonObject b = lastJson(run(command));
                peer.add(b.get("sequences_per_s").getAsDouble());
                torch = "torch " + b.get("torch").getAsString();
            }
        }
        String metric =
                "Bi"
                        + cell.toUpperCase(Locale.ROOT)
                        + " training step, batch 32 × 64 steps, input 128, 128 units per"
                        + " direction, SGD, "
                        + threads
                        + (threads == 1 ? " thread" : " threads")
                        + " (sequences/s)";
        if (python == null) {
            return new Row(
                    metric,
                    ours.format("seq/s", 1),
                    "not run: no Python with torch",
                    "—",
                    "report",
                    "n/a");
        }
        double ratio = ours.median() / peer.median();
        return new Row(
                metric,
                ours.format("seq/s", 1),
                torch + " nn." + cell.toUpperCase(Locale.ROOT) + " " + peer.format("seq/s", 1),
                String.format(Locale.ROOT, "%.2f× its throughput", ratio),
                "report",
                "n/a");
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
