package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-label classification and regression end to end on a tiny generated BERT: each learns a
 * synthetic task (labels = which marker tokens occur; value = a count of marker tokens), and its
 * export is transformers' classifier with the problem type that {@code hubtune predict} reads back.
 */
class MultiLabelAndRegressionTest {

    @TempDir static Path dir;
    static Path pretrained;
    static Path bertTiny;

    @BeforeAll
    static void setUp() throws Exception {
        pretrained = TinyBert.huggingFaceDir(dir);
        bertTiny =
                dev.hubtune.models.init.ModelInitializer.create(
                        "bert-tiny",
                        TinyBert.vocab(java.nio.file.Files.createDirectories(dir.resolve("v"))),
                        dir.resolve("bert-tiny"),
                        1);
    }

    private static List<String> words(Random r) {
        List<String> words = new ArrayList<>();
        int n = 3 + r.nextInt(6);
        for (int k = 0; k < n; k++) {
            words.add("w" + (10 + r.nextInt(25)));
        }
        return words;
    }

    /** alpha iff w1 occurs, beta iff w2, gamma iff w3; JSONL with the labels as an array. */
    static Path multiLabelData(Path file, int rows, long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        String[] names = {"alpha", "beta", "gamma"};
        for (int i = 0; i < rows; i++) {
            List<String> words = words(r);
            List<String> labels = new ArrayList<>();
            List<String> markers = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                if (r.nextInt(5) < 2) {
                    markers.add("w" + (k + 1));
                    labels.add('"' + names[k] + '"');
                }
            }
            for (String m : markers) {
                words.add(r.nextInt(words.size() + 1), m);
            }
            sb.append("{\"text\": \"")
                    .append(String.join(" ", words))
                    .append("\", \"topics\": [")
                    .append(String.join(", ", labels))
                    .append("]}\n");
        }
        Files.writeString(file, sb);
        return file;
    }

    /** value = 2 · (number of w7) + 1, the count 0..3. */
    static Path regressionData(Path file, int rows, long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder("text,value\n");
        for (int i = 0; i < rows; i++) {
            List<String> words = words(r);
            int count = r.nextInt(4);
            for (int k = 0; k < count; k++) {
                words.add(r.nextInt(words.size() + 1), "w7");
            }
            sb.append(String.join(" ", words)).append(',').append(2 * count + 1).append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    @Tag("slow")
    @Test
    void multiLabelLearnsWhichMarkersOccur() throws Exception {
        TrainingReport<MultiLabelMetrics> report =
                MultiLabelTrainer.builder()
                        .setModelDir(bertTiny)
                        .setTrainFile(multiLabelData(dir.resolve("ml.jsonl"), 800, 3))
                        .setTextColumn("text")
                        .setLabelColumn("topics")
                        .setOutputDir(dir.resolve("ml-run"))
                        .optEpochs(5)
                        .optLearningRate(1e-3)
                        .optMaxLength(32)
                        .optThreshold("gamma", 0.4)
                        .optSeed(7)
                        .optThreads(2)
                        .build()
                        .train();
        MultiLabelMetrics best = report.best().metrics();
        System.out.println("multi-label: " + best.summary());
        assertTrue(best.microF1() >= 0.95 && best.subsetAccuracy() >= 0.85, best.summary());
        JsonObject config =
                JsonParser.parseString(Files.readString(report.exported().resolve("config.json")))
                        .getAsJsonObject();
        assertEquals("multi_label_classification", config.get("problem_type").getAsString());
        assertEquals(3, config.get("num_labels").getAsInt());
        assertEquals(0.4, config.getAsJsonArray("hubtune_thresholds").get(2).getAsDouble());
        try (TextClassifier c = TextClassifier.load(report.exported())) {
            assertEquals(ExportMetadata.ProblemType.MULTI_LABEL_CLASSIFICATION, c.problemType());
            List<TextClassifier.Prediction> p =
                    c.predict(List.of("w1 w12 w3 w20", "w15 w16 w17", "w22 w2"));
            assertEquals(
                    List.of("alpha,gamma", "", "beta"),
                    p.stream().map(TextClassifier.Prediction::label).toList());
        }
    }

    @Tag("slow")
    @Test
    void regressionLearnsACountOnTheLabelsScale() throws Exception {
        TrainingReport<RegressionMetrics> report =
                RegressionTrainer.builder()
                        .setModelDir(pretrained)
                        .setTrainFile(regressionData(dir.resolve("reg.csv"), 800, 5))
                        .setTextColumn("text")
                        .setLabelColumn("value")
                        .setOutputDir(dir.resolve("reg-run"))
                        .optEpochs(6)
                        .optLearningRate(2e-3)
                        .optMaxLength(32)
                        .optNormalizeLabels(true)
                        .optSeed(7)
                        .optThreads(2)
                        .build()
                        .train();
        RegressionMetrics best = report.best().metrics();
        System.out.println("regression: " + best.summary());
        assertTrue(best.pearson() >= 0.95 && best.rmse() < 0.7, best.summary());
        JsonObject config =
                JsonParser.parseString(Files.readString(report.exported().resolve("config.json")))
                        .getAsJsonObject();
        assertEquals("regression", config.get("problem_type").getAsString());
        assertEquals(1, config.get("num_labels").getAsInt());
        // trained on normalised targets, the export predicts the label's own scale by itself
        // (the normalisation is in its last layer), as transformers reads a regression's logit
        assertTrue(!config.toString().contains("normal"), config.toString());
        try (TextClassifier c = TextClassifier.load(report.exported())) {
            List<TextClassifier.Prediction> p = c.predict(List.of("w12 w7 w20 w7 w13", "w15 w16"));
            assertEquals(5, p.get(0).score(), 1.0, p.toString());
            assertEquals(1, p.get(1).score(), 1.0, p.toString());
            assertEquals("value", p.get(0).label());
        }
    }

    @Test
    void metricsAgreeWithTheirDefinitions() {
        boolean[][] gold = {{true, false}, {true, true}, {false, false}};
        boolean[][] predicted = {{true, true}, {true, true}, {false, false}};
        MultiLabelMetrics m = MultiLabelMetrics.of(predicted, gold, List.of("a", "b"), 0.1);
        // tp 3, fp 1, fn 0: micro-F1 6/7; per label F1 1 and 2/3
        assertEquals(6.0 / 7, m.microF1(), 1e-12);
        assertEquals((1 + 2.0 / 3) / 2, m.macroF1(), 1e-12);
        assertEquals(2.0 / 3, m.subsetAccuracy(), 1e-12);
        RegressionMetrics r =
                RegressionMetrics.of(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4}, 0);
        assertEquals(0.5, r.mse(), 1e-12);
        assertEquals(0.8, r.pearson(), 1e-12);
        assertEquals(0.8, r.spearman(), 1e-12);
        assertEquals(
                List.of(1.5, 1.5, 3.0),
                java.util.Arrays.stream(RegressionMetrics.ranks(new double[] {2, 2, 5}))
                        .boxed()
                        .toList());
    }

    @Test
    void theNormalisationFoldsIntoTheLastLayer() {
        Map<String, WeightTensor> w =
                Map.of(
                        "classifier.weight",
                                new WeightTensor(new long[] {3, 1}, new float[] {1, -2, 0.5f}),
                        "classifier.bias", new WeightTensor(new long[] {1}, new float[] {0.25f}),
                        "encoder.x", new WeightTensor(new long[] {1}, new float[] {7}));
        Map<String, WeightTensor> out = RegressionTask.denormalized(w, "classifier", 4, 2);
        float[] x = {0.3f, -1, 2};
        double normalised = 0.25;
        double folded = out.get("classifier.bias").data()[0];
        for (int i = 0; i < x.length; i++) {
            normalised += x[i] * w.get("classifier.weight").data()[i];
            folded += x[i] * out.get("classifier.weight").data()[i];
        }
        assertEquals(normalised * 2 + 4, folded, 1e-6);
        assertEquals(w.get("encoder.x"), out.get("encoder.x"));
        assertEquals(w, RegressionTask.denormalized(w, "classifier", 0, 1));
    }

    @Test
    void aNonNumericTargetSaysWhereItIs() throws Exception {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "text,value\nw1 w2,3\nw3 w4,high\nw5,1\nw6,2\nw7,2\nw8,1\n");
        FinetuneException e =
                assertThrows(
                        FinetuneException.class,
                        () ->
                                RegressionTrainer.builder()
                                        .setModelDir(pretrained)
                                        .setTrainFile(bad)
                                        .optValidationFile(bad)
                                        .setTextColumn("text")
                                        .setLabelColumn("value")
                                        .setOutputDir(dir.resolve("bad-run"))
                                        .build()
                                        .train());
        assertTrue(e.getMessage().contains("line 3 has 'high'"), e.getMessage());
    }
}
