package dev.hubtune.finetune;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;

/**
 * Where one traced training step spent its time: TensorFlow's per-node execution times (from a
 * {@code FULL_TRACE} run) summed by op type and by phase (forward, gradients, optimizer), written
 * as {@code profile.txt} next to the metrics. With several threads ops overlap, so the summed op
 * time can exceed the step's wall time.
 */
final class StepProfile {

    private record Total(String name, long micros, int count) {}

    private StepProfile() {}

    /** Summarises {@code metadata} of step {@code step} (wall time {@code wallMicros}). */
    static String summarise(Graph graph, RunMetadata metadata, int step, long wallMicros) {
        Map<String, long[]> byType = new HashMap<>();
        Map<String, long[]> byPhase = new HashMap<>();
        Map<String, long[]> byNode = new HashMap<>();
        Map<String, long[]> byDevice = new HashMap<>();
        long sum = 0;
        for (DeviceStepStats device : metadata.getStepStats().getDevStatsList()) {
            for (NodeExecStats node : device.getNodeStatsList()) {
                long micros = Math.max(0, node.getOpEndRelMicros() - node.getOpStartRelMicros());
                String name = node.getNodeName();
                String type = type(graph, node);
                add(byType, type, micros);
                add(byPhase, phase(name, type), micros);
                add(byNode, type + " " + name, micros);
                add(byDevice, shortDevice(device.getDevice()), micros);
                sum += micros;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "step %d: %.1f ms wall, %.1f ms summed over ops%n%nby phase:%n",
                        step,
                        wallMicros / 1e3,
                        sum / 1e3));
        table(sb, byPhase, sum, 10);
        sb.append(String.format(Locale.ROOT, "%nby device:%n"));
        table(sb, byDevice, sum, 10);
        sb.append(String.format(Locale.ROOT, "%nby op type:%n"));
        table(sb, byType, sum, 25);
        sb.append(String.format(Locale.ROOT, "%nslowest ops:%n"));
        table(sb, byNode, sum, 20);
        return sb.toString();
    }

    /** Writes the summary to {@code file} (replacing an earlier one). */
    static void write(Path file, String summary) throws IOException {
        Files.writeString(file, summary, StandardCharsets.UTF_8);
    }

    /**
     * The kernel that ran: the timeline label ("name = Type(inputs)") names ops the graph optimizer
     * created or fused (e.g. MatMul+BiasAdd as one _FusedMatMul under the BiasAdd's name), which
     * the graph does not know.
     */
    private static String type(Graph graph, NodeExecStats node) {
        String label = node.getTimelineLabel();
        int eq = label.indexOf(" = ");
        int paren = label.indexOf('(', eq + 3);
        if (eq > 0 && paren > eq) {
            return label.substring(eq + 3, paren).trim();
        }
        GraphOperation op = graph.operation(node.getNodeName());
        return op != null ? op.type() : node.getNodeName().replaceAll("[:/].*", "");
    }

    /**
     * {@code /job:localhost/replica:0/task:0/device:GPU:0} as {@code GPU:0}; GPU streams traced
     * separately ({@code …/device:GPU:0/stream:all}) keep their suffix.
     */
    static String shortDevice(String device) {
        int i = device.indexOf("device:");
        String local = i < 0 ? device : device.substring(i + "device:".length());
        // On a cluster the task matters: /job:worker/replica:0/task:1/device:CPU:0 is task:1/CPU:0.
        int t = device.indexOf("/task:");
        return device.contains("/job:localhost") || t < 0 || i < 0
                ? local
                : device.substring(t + 1, device.indexOf('/', t + 1)) + "/" + local;
    }

    // Graph.addGradients names its ops gradients/…, AdamW's carry the variable name and adam_/
    // grad_acc suffixes; everything else is the forward pass (and the loss). With data
    // parallelism, towers' ops are under tower<i>/ (their backprop under tower<i>/gradients…),
    // the gradient sum under allreduce/, the weights' copies to the towers are tower<i>_inputs/
    // reads, and tensors crossing devices or tasks go through _Send/_Recv kernels.
    static String phase(String node, String type) {
        if (node.startsWith("allreduce/")
                || type.equals("RecvTensor")
                || type.startsWith("_Send")
                || type.startsWith("_Recv")
                || type.startsWith("_HostSend")
                || type.startsWith("_HostRecv")) {
            return "all-reduce and transfers";
        }
        if (node.matches("tower\\d+_inputs/read_.*")) {
            return "weights to towers";
        }
        String local = node.matches("tower\\d+/.*") ? node.substring(node.indexOf('/') + 1) : node;
        if (local.startsWith("gradients")) {
            return "gradients";
        }
        node = local;
        if (node.contains("adam")
                || node.contains("grad_acc")
                || node.contains("gradient_norm")
                || node.contains("train_step")) {
            return "optimizer";
        }
        return "forward";
    }

    private static void add(Map<String, long[]> totals, String key, long micros) {
        long[] t = totals.computeIfAbsent(key, k -> new long[2]);
        t[0] += micros;
        t[1]++;
    }

    private static void table(StringBuilder sb, Map<String, long[]> totals, long sum, int top) {
        List<Total> rows = new ArrayList<>();
        totals.forEach((k, v) -> rows.add(new Total(k, v[0], (int) v[1])));
        rows.sort((a, b) -> Long.compare(b.micros(), a.micros()));
        for (Total t : rows.subList(0, Math.min(top, rows.size()))) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "  %-28s %9.1f ms  %5.1f%%  (%d)%n",
                            t.name(),
                            t.micros() / 1e3,
                            100.0 * t.micros() / Math.max(1, sum),
                            t.count()));
        }
    }
}
