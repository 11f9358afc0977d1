package dev.hubtune.spark;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code spark-submit} entry point of the shaded jar: classifies a table's text column with
 * {@link HubtuneClassifier} and writes the rows with their prediction, score and probabilities as
 * Parquet.
 *
 * <pre>
 * spark-submit --class dev.hubtune.spark.ClassifyTable hubtune-spark-VERSION-all.jar \
 *     --model /models/sentiment --input reviews.csv --output predictions.parquet \
 *     [--text-column text] [--batch-size 32] [--max-length N] [--hubtune-home DIR]
 * </pre>
 *
 * The input is CSV with a header ({@code .csv}), JSON lines ({@code .json}, {@code .jsonl}) or
 * Parquet (anything else).
 */
public final class ClassifyTable {

    private static final Set<String> OPTIONS =
            Set.of(
                    "--model",
                    "--input",
                    "--output",
                    "--text-column",
                    "--batch-size",
                    "--max-length",
                    "--hubtune-home");

    private ClassifyTable() {}

    /** Runs the job; a usage error prints one line and exits with 1. */
    public static void main(String[] args) {
        Map<String, String> o;
        HubtuneClassifier classifier;
        try {
            o = parse(args);
            classifier =
                    new HubtuneClassifier()
                            .setModel(o.get("--model"))
                            .setInputCol(o.getOrDefault("--text-column", "text"))
                            .setBatchSize(
                                    number(
                                            o,
                                            "--batch-size",
                                            HubtuneTransformer.DEFAULT_BATCH_SIZE))
                            .setMaxLength(number(o, "--max-length", 0));
            if (o.containsKey("--hubtune-home")) {
                classifier.setHubtuneHome(o.get("--hubtune-home"));
            }
        } catch (IllegalArgumentException e) {
            System.err.println("ClassifyTable: " + e.getMessage());
            System.exit(1);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("hubtune ClassifyTable").getOrCreate();
        try {
            String input = o.get("--input");
            String lower = input.toLowerCase(Locale.ROOT);
            Dataset<Row> table =
                    lower.endsWith(".csv")
                            ? spark.read().option("header", "true").csv(input)
                            : lower.endsWith(".json") || lower.endsWith(".jsonl")
                                    ? spark.read().json(input)
                                    : spark.read().parquet(input);
            Dataset<Row> out;
            try {
                out = classifier.transform(table);
            } catch (IllegalArgumentException e) {
                System.err.println("ClassifyTable: " + e.getMessage());
                System.exit(1);
                return;
            }
            out.write().parquet(o.get("--output"));
        } finally {
            spark.stop();
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!OPTIONS.contains(args[i])) {
                throw new IllegalArgumentException(
                        "unknown argument '"
                                + args[i]
                                + "'; options: "
                                + new java.util.TreeSet<>(OPTIONS));
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            o.put(args[i], args[++i]);
        }
        for (String required : new String[] {"--model", "--input", "--output"}) {
            if (!o.containsKey(required)) {
                throw new IllegalArgumentException(
                        "missing "
                                + required
                                + "; usage: --model DIR|REF --input PATH --output PATH"
                                + " [--text-column text] [--batch-size N] [--max-length N]"
                                + " [--hubtune-home DIR]");
            }
        }
        return o;
    }

    private static int number(Map<String, String> o, String name, int fallback) {
        String v = o.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < (name.equals("--max-length") ? 0 : 1)) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a positive whole number, got " + v);
        }
    }
}
