package dev.hubtune.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Batch inference on Spark against the same classifier in one process: rows/s of one Spark executor
 * thread ({@code local[1]}, the model already loaded in the executor) over rows/s of {@code
 * TextClassifier.predict} in batches of the same size ({@link SparkProbe}, its own JVM with the
 * module options Spark 4 needs on Java 17).
 */
final class SparkBenchmarks {

    private SparkBenchmarks() {}

    static List<Row> run(Path work, boolean quick) throws Exception {
        int rows = quick ? 256 : 1024;
        int rounds = quick ? 1 : 3;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx3g");
        command.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SparkProbe.class.getName());
        command.addAll(List.of(work.toString(), "" + rows, "" + rounds));
        Process p =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("SparkProbe failed: " + Bench.abbreviate(out));
        }
        String[] lines = out.strip().split("\n");
        JsonObject j = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        Samples spark = samples(j.getAsJsonArray("spark_rows_per_s"));
        Samples local = samples(j.getAsJsonArray("in_process_rows_per_s"));
        return List.of(
                new Row(
                        "MiniLM-shaped classifier (6 layers, hidden 384), "
                                + rows
                                + " texts of 16–48 words, batch 32: rows/s of one Spark executor"
                                + " thread (local[1], model cached) vs TextClassifier in one"
                                + " process (first job incl. the model load "
                                + String.format(
                                        Locale.ROOT,
                                        "%.1f",
                                        j.get("first_job_with_load_s").getAsDouble())
                                + " s; load average "
                                + j.get("load_average").getAsString()
                                + ")",
                        spark.format("rows/s", 1),
                        "TextClassifier " + local.format("rows/s", 1),
                        String.format(
                                Locale.ROOT, "%.2f× its rows/s", spark.median() / local.median()),
                        "report",
                        "n/a"));
    }

    private static Samples samples(JsonArray a) {
        Samples s = new Samples();
        a.forEach(e -> s.add(e.getAsDouble()));
        return s;
    }
}
