package dev.hubtune.bench;

import com.google.gson.Gson;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertFamily;
import dev.hubtune.models.bert.BertInit;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.spark.HubtuneClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One process of the Spark row: a MiniLM-shaped classifier (6 layers, hidden 384, seeded random
 * weights) over the same texts, batch 32, in this process through {@link TextClassifier} and
 * through {@link HubtuneClassifier} on Spark {@code local[1]} (one executor thread, the model
 * already in the executor's cache), alternated; prints one JSON line of rows/s.
 *
 * <p>Arguments: work directory, rows, rounds.
 */
public final class SparkProbe {

    private SparkProbe() {}

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        int n = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int batch = 32;
        Path model = classifier(work);
        List<String> texts = texts(n, 7);
        Map<String, Object> out = new LinkedHashMap<>();
        List<Double> inProcess = new ArrayList<>();
        List<Double> spark = new ArrayList<>();
        SparkSession session =
                SparkSession.builder()
                        .master("local[1]")
                        .appName("hubtune-bench-spark")
                        .config("spark.ui.enabled", "false")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .getOrCreate();
        try (TextClassifier reference = TextClassifier.load(model)) {
            StructType schema =
                    new StructType()
                            .add("id", DataTypes.IntegerType)
                            .add("text", DataTypes.StringType);
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rows.add(RowFactory.create(i, texts.get(i)));
            }
            Dataset<Row> df =
                    session.createDataFrame(
                                    new JavaSparkContext(session.sparkContext())
                                            .parallelize(rows, 4),
                                    schema)
                            .cache();
            df.count();
            HubtuneClassifier classifier =
                    new HubtuneClassifier().setModel(model.toString()).setBatchSize(batch);
            long load = System.nanoTime();
            classifier.transform(df.limit(batch)).write().format("noop").mode("overwrite").save();
            out.put("first_job_with_load_s", (System.nanoTime() - load) / 1e9);
            reference.predict(texts.subList(0, batch));
            for (int r = 0; r < rounds; r++) {
                long t = System.nanoTime();
                for (int i = 0; i < n; i += batch) {
                    reference.predict(texts.subList(i, Math.min(n, i + batch)));
                }
                inProcess.add(n / ((System.nanoTime() - t) / 1e9));
                t = System.nanoTime();
                classifier.transform(df).write().format("noop").mode("overwrite").save();
                spark.add(n / ((System.nanoTime() - t) / 1e9));
            }
        } finally {
            session.stop();
        }
        out.put("in_process_rows_per_s", inProcess);
        out.put("spark_rows_per_s", spark);
        out.put(
                "load_average",
                String.join(
                        " ",
                        java.util.Arrays.asList(
                                        Files.readString(Path.of("/proc/loadavg"))
                                                .trim()
                                                .split(" "))
                                .subList(0, 3)));
        System.out.println(new Gson().toJson(out));
    }

    /** A MiniLM-shaped BERT classifier (labels neg, pos) with the w0…w34 vocabulary. */
    static Path classifier(Path work) throws Exception {
        Path vocabDir = Files.createDirectories(work.resolve("vocab"));
        StringBuilder sb = new StringBuilder("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        for (int i = 0; i < 35; i++) {
            sb.append('w').append(i).append('\n');
        }
        Files.writeString(vocabDir.resolve("vocab.txt"), sb);
        BertConfig config = new BertConfig(40, 384, 6, 12, 1536, 128, 2, 1e-12, Activation.GELU);
        Map<String, WeightTensor> w = BertInit.randomPretraining(config, 3, 0.02f);
        w.put("classifier.weight", BertInit.normal(new Random(4), 384, 2));
        w.put("classifier.bias", WeightTensor.zeros(2));
        return HfExport.write(
                new BertFamily(),
                config,
                w,
                ExportMetadata.sequenceClassifier(List.of("neg", "pos"), Pooling.POOLER),
                vocabDir,
                work.resolve("classifier"));
    }

    /** {@code n} seeded texts of 16 to 48 words. */
    static List<String> texts(int n, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int words = 16 + r.nextInt(33);
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < words; k++) {
                sb.append(k == 0 ? "" : " ").append('w').append(r.nextInt(35));
            }
            out.add(sb.toString());
        }
        return out;
    }
}
