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
        String python = TrainingBenchmarks.peerPython();
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
            JsonObject a =
                    TrainingBenchmarks.lastJson(
                            TrainingBenchmarks.javaProbe(
                                    RnnProbe.class, args.toArray(String[]::new)));
            ours.add(a.get("sequences_per_s").getAsDouble());
            if (python != null) {
                List<String> command = new ArrayList<>(List.of(python, "bench/peers/torch_rnn.py"));
                command.addAll(args);
                JsonObject b = TrainingBenchmarks.lastJson(TrainingBenchmarks.run(command));
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
}
