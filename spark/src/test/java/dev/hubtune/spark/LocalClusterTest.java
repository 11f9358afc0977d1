package dev.hubtune.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.hubtune.models.apps.TextClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code local-cluster[2,1,1024]}: a standalone master and two workers in this JVM, each starting a
 * real executor process (its own JVM, its own TensorFlow) — what a cluster does, on one machine.
 * 10,000 rows classified there equal {@link TextClassifier} in this process, and each executor
 * loaded the model exactly once for its many tasks.
 *
 * <p>The workers start executors with {@code $SPARK_HOME/jars/*} on their class path; Maven gives
 * no Spark distribution, so the build points {@code SPARK_HOME} at {@code target/spark-home}, this
 * test creates the layout the launcher checks, and the executors get this test's class path (Spark
 * and hubtune from the Maven repository) as {@code spark.executor.extraClassPath}.
 */
@Tag("slow")
class LocalClusterTest {

    @TempDir Path dir;

    @Test
    void tenThousandRowsOnTwoExecutorProcessesEqualTheInProcessClassifier() throws Exception {
        String home = System.getenv("SPARK_HOME");
        assertNotNull(home, "SPARK_HOME must be set (the build sets it to target/spark-home)");
        Path sparkHome = Path.of(home);
        Files.createDirectories(sparkHome.resolve("jars"));
        // the launcher's Scala-version check of a Spark build directory
        Files.createDirectories(sparkHome.resolve("launcher/target/scala-2.13"));
        String classPath =
                System.getProperty(
                        "surefire.test.class.path", System.getProperty("java.class.path"));
        Path model = TinyModels.classifier(dir);
        List<String> texts = TinyModels.texts(10_000, 23);

        SparkSession spark =
                SparkSession.builder()
                        .master("local-cluster[2,1,1024]")
                        .appName("hubtune-local-cluster-test")
                        .config("spark.ui.enabled", "false")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .config("spark.executor.extraClassPath", classPath)
                        // the executors share the build's one copy of the natives
                        .config(
                                "spark.executor.extraJavaOptions",
                                "-Dhubtune.natives=" + System.getProperty("hubtune.natives", ""))
                        .config("spark.executor.memory", "1g")
                        // both executors registered before the first task, so both get work
                        .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                        .config("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s")
                        .getOrCreate();
        List<Row> rows;
        HubtuneClassifier classifier;
        try {
            List<Row> input = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                input.add(RowFactory.create(i, texts.get(i)));
            }
            // 8 partitions straight from the list: no shuffle stage before the classifier
            Dataset<Row> df =
                    spark.createDataFrame(
                            new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
                                    .parallelize(input, 8),
                            HubtuneTransformersTest.SCHEMA);
            classifier =
                    new HubtuneClassifier()
                            .setModel(model.toString())
                            .setHubtuneHome(System.getProperty("hubtune.home"))
                            .setBatchSize(64);
            rows = classifier.transform(df).collectAsList();
        } finally {
            spark.stop();
        }

        assertEquals(texts.size(), rows.size());
        List<TextClassifier.Prediction> expected = new ArrayList<>();
        try (TextClassifier reference = TextClassifier.load(model)) {
            for (int i = 0; i < texts.size(); i += 64) {
                expected.addAll(
                        reference.predict(texts.subList(i, Math.min(texts.size(), i + 64))));
            }
        }
        double maxDelta = 0;
        for (Row r : rows) {
            int id = r.getInt(0);
            TextClassifier.Prediction p = expected.get(id);
            assertEquals(p.label(), r.getString(2), "row " + id);
            Vector v = (Vector) r.get(4);
            for (int k = 0; k < 2; k++) {
                maxDelta = Math.max(maxDelta, Math.abs(p.probabilities()[k] - v.apply(k)));
            }
        }
        assertEquals(0, maxDelta, 1e-6, "max |Δ probability| over 10,000 rows");

        // one load per executor process: two entries, two executors, neither in this JVM
        List<String> loads = classifier.loads().orElseThrow().value();
        assertEquals(2, loads.size(), "loads: " + loads);
        Set<String> executors = new TreeSet<>();
        for (String l : loads) {
            executors.add(l.substring(0, l.indexOf(' ')));
            assertNotEquals(
                    String.valueOf(ProcessHandle.current().pid()),
                    l.substring(l.lastIndexOf(' ') + 1));
        }
        assertEquals(Set.of("0", "1"), executors, "loads: " + loads);
    }
}
