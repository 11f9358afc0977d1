package dev.hubtune.bench;

import com.google.gson.JsonObject;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertFamily;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.OnnxWeights;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Data-parallel fine-tuning of all-MiniLM-L6-v2 (real weights): one device against two towers — two
 * CPU devices of one process, and two TensorFlow worker processes over gRPC on loopback (inside
 * {@code unshare -n}: the servers listen on every interface) — each in its own JVM ({@link
 * ScaleProbe}). On one 2-core machine the towers share the cores, so no speed-up is expected: the
 * rows report the scaling efficiency (throughput with n towers ÷ n × one device's) and the share of
 * a traced step spent in the gradient all-reduce and transfers, from which the speed-up on n real
 * devices can be estimated.
 */
final class ScaleBenchmarks {

    private ScaleBenchmarks() {}

    static List<Row> run(Path work, boolean quick) throws Exception {
        TensorFlowRuntime.load();
        int warmup = quick ? 1 : 3;
        int steps = quick ? 3 : 10;
        int batch = 16;
        int length = 128;
        Path onnx = ModelBenchmarks.miniLm(Files.createDirectories(work.resolve("minilm-onnx")));
        Map<String, WeightTensor> weights = OnnxWeights.read(onnx.resolve("model.onnx"));
        BertConfig config = BertConfig.infer(weights, 12, Activation.GELU, 1e-12);
        Path model =
                HfExport.write(
                        new BertFamily(),
                        config,
                        weights,
                        ExportMetadata.of(ModelTask.EMBEDDING),
                        onnx,
                        work.resolve("minilm"));
        Path csv =
                TrainingBenchmarks.classificationData(
                        work.resolve("train.csv"), (int) ((warmup + steps + 2) * batch / 0.9));
        String[] common = {
            model.toString(), csv.toString(), null, "" + batch, "" + length, "" + warmup, "" + steps
        };
        JsonObject one = probe(work, common, "1", "devices", false);
        JsonObject devices = probe(work, common, "2", "devices", false);
        String why = ClusterProbes.privateNetworkUnavailable();
        JsonObject cluster = why == null ? probe(work, common, "2", "cluster", true) : null;
        double base = one.get("sequences_per_s").getAsDouble();
        List<Row> rows = new ArrayList<>();
        String what = "all-MiniLM-L6-v2 fine-tuning, global batch 16 × 128 tokens, 2 threads";
        rows.add(
                new Row(
                        what + ", 1 device (sequences/s)",
                        fmt(base)
                                + " seq/s ("
                                + fmt(one.get("step_ms").getAsDouble())
                                + " ms/step)",
                        "—",
                        "—",
                        "report",
                        "n/a"));
        rows.add(row(what + ", 2 CPU devices in one process", devices, base));
        if (cluster != null) {
            rows.add(row(what + ", 2 worker processes over gRPC (loopback)", cluster, base));
        } else {
            rows.add(
                    new Row(
                            what + ", 2 worker processes over gRPC",
                            "not run: " + why,
                            "—",
                            "—",
                            "report",
                            "n/a"));
        }
        return rows;
    }

    private static Row row(String metric, JsonObject r, double base) {
        double seq = r.get("sequences_per_s").getAsDouble();
        return new Row(
                metric + " (sequences/s)",
                fmt(seq)
                        + " seq/s ("
                        + fmt(r.get("step_ms").getAsDouble())
                        + " ms/step); communication alone (weights to the tower, gradients"
                        + " back, summed) "
                        + fmt(r.get("communication_ms").getAsDouble())
                        + " ms = "
                        + fmt(100 * r.get("communication_share").getAsDouble())
                        + "% of a step; the gradient sum (AddN) "
                        + fmt(r.get("allreduce_share").getAsDouble())
                        + "% of traced op time",
                "1 device",
                String.format(
                        Locale.ROOT,
                        "%.2f× its throughput; scaling efficiency %.0f%%",
                        seq / base,
                        100 * seq / (2 * base)),
                "report",
                "n/a");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    private static JsonObject probe(
            Path work, String[] common, String towers, String mode, boolean privateNetwork)
            throws Exception {
        List<String> command = new ArrayList<>();
        if (privateNetwork) {
            command.addAll(
                    List.of(
                            "unshare",
                            "-n",
                            "sh",
                            "-c",
                            "ip link set lo up && exec \"$0\" \"$@\""));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(
                List.of(
                        "-Xmx3g",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ScaleProbe.class.getName(),
                        "train"));
        for (int i = 0; i < common.length; i++) {
            command.add(i == 2 ? work.resolve("out-" + mode + "-" + towers).toString() : common[i]);
        }
        command.addAll(List.of("2", towers, mode));
        Process p =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(
                    mode + " " + towers + " failed: " + Bench.abbreviate(out));
        }
        String[] lines = out.strip().split("\n");
        JsonObject r =
                com.google.gson.JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        org.slf4j.LoggerFactory.getLogger(ScaleBenchmarks.class).info("{} {}: {}", mode, towers, r);
        return r;
    }

    /** Whether this machine can run the cluster probe in a private network namespace. */
    static final class ClusterProbes {
        private ClusterProbes() {}

        static String privateNetworkUnavailable() {
            try {
                Process p =
                        new ProcessBuilder("unshare", "-n", "sh", "-c", "ip link set lo up")
                                .redirectErrorStream(true)
                                .start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                return p.waitFor() == 0
                        ? null
                        : "no private network namespace (unshare -n: " + out.trim() + ")";
            } catch (Exception e) {
                return "no private network namespace (unshare -n: " + e.getMessage() + ")";
            }
        }
    }
}
