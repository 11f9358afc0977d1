package dev.hubtune.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark harness behind {@code bench/run}: runs the selected benchmarks (all by default),
 * and writes one Markdown table (metric, hubtune, peer, ratio, goal, verdict) to the console and to
 * {@code bench/results/<date>-<machine>.md}. Ratios, not absolute times, are the claims: these
 * machines are shared and noisy.
 */
public final class Bench {

    private static final Logger LOG = LoggerFactory.getLogger(Bench.class);

    /** A named benchmark producing rows. */
    interface Benchmark {
        List<Row> run(Path work, boolean quick) throws Exception;
    }

    static final Map<String, Benchmark> BENCHMARKS = new LinkedHashMap<>();

    static {
        BENCHMARKS.put("hub", HubBenchmarks::run);
        BENCHMARKS.put("tokenizers", TokenizerBenchmarks::run);
        BENCHMARKS.put("models", ModelBenchmarks::run);
        BENCHMARKS.put("training", TrainingBenchmarks::run);
        BENCHMARKS.put("decoder", DecoderBenchmarks::run);
        BENCHMARKS.put("spamassassin", SpamAssassinBenchmark::run);
        BENCHMARKS.put("rnn", RnnBenchmarks::run);
        BENCHMARKS.put("spark", SparkBenchmarks::run);
        BENCHMARKS.put("scale", ScaleBenchmarks::run);
    }

    private Bench() {}

    /** {@code [--quick] [--out DIR] [--work DIR] [NAME…]}. */
    public static void main(String[] args) throws Exception {
        int status = run(args);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the benchmarks and writes the table; 0 when every row was measured or explained, 1 for
     * an unknown benchmark, 2 when a benchmark failed.
     */
    static int run(String[] args) throws Exception {
        boolean quick = false;
        Path out = Path.of("bench/results");
        Path work = null;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                default -> names.add(args[i]);
            }
        }
        if (names.isEmpty()) {
            names.addAll(BENCHMARKS.keySet());
        }
        for (String n : names) {
            if (!BENCHMARKS.containsKey(n)) {
                System.err.println("unknown benchmark '" + n + "'; known: " + BENCHMARKS.keySet());
                return 1;
            }
        }
        Path workDir =
                work != null
                        ? Files.createDirectories(work)
                        : Files.createTempDirectory("hubtune-bench");
        List<Row> rows = new ArrayList<>();
        try {
            for (String n : names) {
                LOG.info("running {}{}", n, quick ? " (quick)" : "");
                try {
                    rows.addAll(
                            BENCHMARKS
                                    .get(n)
                                    .run(Files.createDirectories(workDir.resolve(n)), quick));
                } catch (Exception e) {
                    LOG.error("benchmark {} failed", n, e);
                    rows.add(
                            new Row(
                                    n,
                                    "failed: " + abbreviate(String.valueOf(e.getMessage())),
                                    "—",
                                    "—",
                                    "—",
                                    "failed"));
                }
            }
        } finally {
            if (work == null) {
                HubBenchmarks.deleteTree(workDir);
            }
        }
        String table = table(rows, quick);
        System.out.println(table);
        Path file =
                out.resolve(
                        LocalDate.now()
                                + "-"
                                + machine()
                                + (names.size() < BENCHMARKS.size()
                                        ? "-" + String.join("-", names)
                                        : "")
                                + (quick ? "-quick" : "")
                                + ".md");
        Files.createDirectories(out);
        Files.writeString(file, table);
        System.out.println("written to " + file);
        return rows.stream().anyMatch(r -> r.verdict().equals("failed")) ? 2 : 0;
    }

    static String abbreviate(String message) {
        String oneLine = message.replaceAll("\\s+", " ");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
    }

    static String machine() {
        String m = System.getenv("HUBTUNE_BENCH_MACHINE");
        return m != null && !m.isBlank()
                ? m
                : Runtime.getRuntime().availableProcessors()
                        + "core-"
                        + System.getProperty("os.arch");
    }

    /**
     * The CPU and the library builds in play, so ratios from two machines are never mixed up:
     * vendor and model, the ISA extensions that decide matmul speed, cores, TensorFlow's build.
     */
    static String cpu() {
        String model = "unknown CPU";
        String vendor = "";
        java.util.Set<String> flags = new java.util.TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && model.equals("unknown CPU")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("vendor_id") && vendor.isEmpty()) {
                    vendor = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("flags") && flags.isEmpty()) {
                    for (String f : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (f.startsWith("avx")
                                || f.startsWith("amx")
                                || f.equals("fma")
                                || f.equals("f16c")) {
                            flags.add(f);
                        }
                    }
                }
            }
        } catch (IOException e) {
            // not Linux: the model stays unknown
        }
        String tf =
                dev.hubtune.models.runtime.TensorFlowRuntime.current()
                        .map(
                                r ->
                                        "TensorFlow "
                                                + r.tensorflowVersion()
                                                + " ("
                                                + r.nativesClassifier()
                                                + ", oneDNN on)")
                        .orElse(
                                "TensorFlow "
                                        + dev.hubtune.models.runtime.Stack.built().tensorflow());
        return "CPU: "
                + model
                + (vendor.isEmpty() ? "" : " (" + vendor + ")")
                + ", "
                + Runtime.getRuntime().availableProcessors()
                + " cores, ISA "
                + (flags.isEmpty() ? "unknown" : String.join(" ", flags))
                + ". "
                + tf
                + "; peers: PyTorch's own MKL/oneDNN build (torch 2.5.1 CPU kernels), ONNX Runtime"
                + " 1.20's MLAS.";
    }

    static String table(List<Row> rows, boolean quick) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("# hubtune benchmarks ")
                .append(LocalDate.now())
                .append(" on ")
                .append(machine())
                .append(quick ? " (quick mode)" : "")
                .append("\n\n");
        sb.append("Java ")
                .append(System.getProperty("java.version"))
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores. Values: median (min–max).\n\n");
        sb.append(cpu()).append("\n\n");
        sb.append(
                "| metric | hubtune | peer | ratio | goal | verdict |\n|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| ")
                    .append(
                            String.join(
                                    " | ",
                                    r.metric(),
                                    r.hubtune(),
                                    r.peer(),
                                    r.ratio(),
                                    r.goal(),
                                    r.verdict()))
                    .append(" |\n");
        }
        return sb.toString();
    }
}
