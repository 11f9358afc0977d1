package dev.hubtune.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.apps.Embedder;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.apps.TextGenerator;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transformers in {@code local[2]} (two task threads sharing the driver JVM's one copy of the
 * model): the same predictions and vectors as the in-process hubtune apps, row for row, with the
 * model loaded once for all partitions and jobs.
 */
class HubtuneTransformersTest {

    @TempDir static Path dir;
    static SparkSession spark;
    static Path classifierDir;

    static final StructType SCHEMA =
            new StructType()
                    .add("id", DataTypes.IntegerType, false)
                    .add("text", DataTypes.StringType, true);

    @BeforeAll
    static void setUp() throws Exception {
        classifierDir = TinyModels.classifier(dir);
        spark =
                SparkSession.builder()
                        .master("local[2]")
                        .appName("hubtune-spark-test")
                        .config("spark.ui.enabled", "false")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.sql.shuffle.partitions", "2")
                        .getOrCreate();
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    static Dataset<Row> frame(List<String> texts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        return spark.createDataFrame(rows, SCHEMA).repartition(partitions);
    }

    @Test
    void classifiesLikeTextClassifierWithOneLoadForAllPartitionsAndJobs() throws Exception {
        List<String> texts = new ArrayList<>(TinyModels.texts(300, 1));
        texts.add(null);
        int before = ExecutorModels.loadCount();
        HubtuneClassifier c =
                new HubtuneClassifier().setModel(classifierDir.toString()).setBatchSize(7);
        Dataset<Row> out = c.transform(frame(texts, 6));
        assertEquals(
                List.of("id", "text", "prediction", "score", "probability"),
                List.of(out.schema().fieldNames()));
        List<Row> rows = out.collectAsList();
        assertEquals(texts.size(), rows.size());
        List<String> nonNull = texts.subList(0, texts.size() - 1);
        List<TextClassifier.Prediction> expected;
        try (TextClassifier reference = TextClassifier.load(classifierDir)) {
            expected = reference.predict(nonNull);
        }
        int pos = 0;
        for (Row r : rows) {
            int id = r.getInt(0);
            if (texts.get(id) == null) {
                assertNull(r.get(2));
                assertNull(r.get(4));
                continue;
            }
            TextClassifier.Prediction p = expected.get(id);
            assertEquals(p.label(), r.getString(2), "row " + id);
            assertEquals(p.score(), r.getDouble(3), 1e-6, "row " + id);
            Vector v = (Vector) r.get(4);
            for (int k = 0; k < 2; k++) {
                assertEquals(p.probabilities()[k], v.apply(k), 1e-6, "row " + id);
            }
            pos += "pos".equals(r.getString(2)) ? 1 : 0;
        }
        // both labels occur: a classifier that put every text in one class would prove little
        assertTrue(pos >= 10 && pos <= 290, "pos: " + pos);
        assertEquals(
                List.of("driver pid " + ProcessHandle.current().pid()), c.loads().get().value());
        // a second job and a second transformer over the same model: no new load
        assertEquals(texts.size(), c.transform(frame(texts, 3)).count());
        new HubtuneClassifier()
                .setModel(classifierDir.toString())
                .transform(frame(texts, 2))
                .count();
        assertEquals(1, ExecutorModels.loadCount() - before);
    }

    @Test
    void embedsLikeEmbedder() throws Exception {
        Path model = TinyBert.huggingFaceDir(dir.resolve("embedder"));
        List<String> texts = TinyModels.texts(64, 2);
        List<Row> rows =
                new HubtuneEmbedder()
                        .setModel(model.toString())
                        .setOutputCol("vec")
                        .setBatchSize(16)
                        .transform(frame(texts, 3))
                        .collectAsList();
        float[][] expected;
        try (Embedder e = Embedder.builder().setModelDir(model).build()) {
            expected = e.embed(texts);
        }
        assertEquals(texts.size(), rows.size());
        for (Row r : rows) {
            Vector v = (Vector) r.getAs("vec");
            float[] x = expected[r.getInt(0)];
            assertEquals(x.length, v.size());
            double norm = 0;
            for (int k = 0; k < x.length; k++) {
                assertEquals(x[k], v.apply(k), 1e-6);
                norm += v.apply(k) * v.apply(k);
            }
            assertEquals(1.0, norm, 1e-5, "unit length: the model has no modules, so normalised");
        }
    }

    @Test
    void generatesLikeTextGenerator() throws Exception {
        // a byte-level BPE of a few hundred tokens: a tiny GPT-2 over it loads in a second
        List<String> words = List.of("cat", "dog", "sun", "red", "big", "hat");
        Path tokenizer =
                Gpt2Files.forWords(Files.createDirectories(dir.resolve("gpt2-tokenizer")), words);
        Path model = ModelInitializer.create("gpt2-tiny", tokenizer, dir.resolve("gpt2"), 3);
        List<String> prompts = List.of("cat dog", "red hat", "big sun", "dog");
        List<Row> rows =
                new HubtuneGenerator()
                        .setModel(model.toString())
                        .setInputCol("text")
                        .setMaxNewTokens(6)
                        .setBatchSize(2)
                        .transform(frame(prompts, 2))
                        .collectAsList();
        assertEquals(prompts.size(), rows.size());
        try (TextGenerator g = TextGenerator.builder().setModelDir(model).build()) {
            for (Row r : rows) {
                String expected =
                        g.generate(prompts.get(r.getInt(0)), GenerationConfig.greedy(6)).text();
                assertEquals(expected, r.getAs("completion"), "prompt " + r.getInt(0));
            }
        }
    }

    @Test
    void badInputSaysWhatToChange() {
        Dataset<Row> df = frame(List.of("w1 w2"), 1);
        IllegalArgumentException noModel =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new HubtuneClassifier().transform(df));
        assertTrue(noModel.getMessage().contains("setModel"), noModel.getMessage());
        IllegalArgumentException noColumn =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new HubtuneClassifier()
                                        .setModel(classifierDir.toString())
                                        .setInputCol("review")
                                        .transform(df));
        assertTrue(
                noColumn.getMessage().contains("no input column 'review'"), noColumn.getMessage());
        IllegalArgumentException taken =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new HubtuneClassifier()
                                        .setModel(classifierDir.toString())
                                        .setPredictionCol("id")
                                        .transform(df));
        assertTrue(taken.getMessage().contains("'id' already exists"), taken.getMessage());
        Exception missing =
                assertThrows(
                        Exception.class,
                        () ->
                                new HubtuneClassifier()
                                        .setModel(dir.resolve("nowhere").toString())
                                        .transform(df)
                                        .collectAsList());
        assertTrue(
                String.valueOf(rootMessage(missing)).contains("no model directory at"),
                String.valueOf(rootMessage(missing)));
    }

    @Test
    void savedAndReadBackWithItsParams() throws Exception {
        HubtuneClassifier c =
                new HubtuneClassifier()
                        .setModel(classifierDir.toString())
                        .setInputCol("review")
                        .setBatchSize(5)
                        .setMaxLength(16)
                        .setScoreCol("confidence");
        Path saved = dir.resolve("saved-classifier");
        c.write().save(saved.toString());
        HubtuneClassifier back = HubtuneClassifier.read().load(saved.toString());
        assertEquals(c.uid(), back.uid());
        assertEquals(classifierDir.toString(), back.getModel());
        assertEquals("review", back.getInputCol());
        assertEquals(5, back.getBatchSize());
        assertEquals(16, back.getMaxLength());
        assertEquals("confidence", back.getOrDefault(back.scoreCol()));
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
