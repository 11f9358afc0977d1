package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.data.DatasetReader;
import dev.hubtune.tokenizers.data.Example;
import dev.hubtune.tokenizers.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tuning a tiny generated BERT on a learnable synthetic task, end to end. */
class ClassifierTrainerTest {

    @TempDir static Path dir;
    static Path pretrained;
    static Path data;

    /** A fresh tiny BERT in HF format (config.json, model.safetensors, vocab.txt). */
    static Path tinyModel(Path root) throws Exception {
        return TinyBert.huggingFaceDir(root);
    }

    /** label = pos iff the token w7 occurs: the model must find one token anywhere in the text. */
    static Path syntheticCsv(Path file, int rows, long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 0; i < rows; i++) {
            int n = 4 + r.nextInt(8);
            List<String> words = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                int w;
                do {
                    w = r.nextInt(35);
                } while (w == 7);
                words.add("w" + w);
            }
            boolean pos = r.nextBoolean();
            if (pos) {
                words.set(r.nextInt(n), "w7");
            }
            sb.append(String.join(" ", words)).append(',').append(pos ? "pos" : "neg").append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    @BeforeAll
    static void setUp() throws Exception {
        pretrained = tinyModel(dir);
        data = syntheticCsv(dir.resolve("train.csv"), 800, 3);
    }

    private static ClassifierTrainer.Builder trainer(Path out) {
        return ClassifierTrainer.builder()
                .setModelDir(pretrained)
                .setTrainFile(data)
                .setTextColumn("text")
                .setLabelColumn("label")
                .setOutputDir(out)
                .optEpochs(6)
                .optBatchSize(16)
                .optLearningRate(2e-3)
                .optMaxLength(32)
                .optSeed(7)
                .optThreads(2);
    }

    @Test
    void learnsTheSyntheticTaskAndTheExportPredictsTheSame() throws Exception {
        Path out = dir.resolve("run");
        TrainingReport<ClassificationMetrics> report = trainer(out).build().train();
        double accuracy = report.best().metrics().accuracy();
        assertTrue(
                accuracy >= 0.95,
                "validation accuracy "
                        + accuracy
                        + " after "
                        + report.steps()
                        + " steps: "
                        + report.evaluations());
        var id2label =
                com.google.gson.JsonParser.parseString(
                                Files.readString(report.exported().resolve("config.json")))
                        .getAsJsonObject()
                        .getAsJsonObject("id2label");
        assertEquals("neg", id2label.get("0").getAsString());
        assertEquals("pos", id2label.get("1").getAsString());
        assertTrue(
                Files.readAllLines(out.resolve("metrics.jsonl")).size() >= 6,
                "one metrics line per evaluation");

        // The exported model, loaded fresh, reproduces the best evaluation exactly.
        List<String> texts = new ArrayList<>();
        List<String> gold = new ArrayList<>();
        try (DatasetReader r =
                DatasetReader.builder()
                        .setFile(data)
                        .setTextColumn("text")
                        .optLabelColumn("label")
                        .build()) {
            for (Example e : r) {
                if (Split.isValidation(7, e.line(), 0.2)) {
                    texts.add(e.text());
                    gold.add(e.label().orElseThrow());
                }
            }
        }
        try (TextClassifier classifier = TextClassifier.load(report.exported(), 32)) {
            var predictions = classifier.predict(texts);
            long correct = 0;
            for (int i = 0; i < texts.size(); i++) {
                correct += predictions.get(i).label().equals(gold.get(i)) ? 1 : 0;
            }
            assertEquals(accuracy, (double) correct / texts.size(), 1e-12);

            // Served through DJL from a SavedModel export: the same probabilities.
            Path savedModel = classifier.exportSavedModel(report.exported(), dir.resolve("served"));
            var criteria =
                    ai.djl.repository.zoo.Criteria.builder()
                            .setTypes(String.class, ai.djl.modality.Classifications.class)
                            .optEngine("TensorFlow")
                            .optModelPath(savedModel)
                            .optTranslatorFactory(
                                    new dev.hubtune.models.serving
                                            .ClassificationTranslatorFactory())
                            .build();
            try (var served = criteria.loadModel();
                    var predictor = served.newPredictor()) {
                for (int i = 0; i < 10; i++) {
                    var c = predictor.predict(texts.get(i));
                    assertEquals(predictions.get(i).label(), c.best().getClassName());
                    assertEquals(predictions.get(i).score(), c.best().getProbability(), 1e-6);
                }
            }
        }
    }

    @Test
    void aBertWithAPoolerIsFineTunedAsHfsBertForSequenceClassification() throws Exception {
        // A checkpoint with a pooler gets HF's head (pooler on [CLS]); the export names the
        // encoder bert.* next to classifier.*, as transformers expects of a task model.
        Path withPooler = TinyBert.maskedLmDir(dir.resolve("pooler"), 4);
        TrainingReport<ClassificationMetrics> report =
                trainer(dir.resolve("pooler-run")).setModelDir(withPooler).build().train();
        assertTrue(report.best().metrics().accuracy() >= 0.95, report.evaluations().toString());
        var config =
                com.google.gson.JsonParser.parseString(
                                Files.readString(report.exported().resolve("config.json")))
                        .getAsJsonObject();
        assertEquals("pooler", config.get("hubtune_pooling").getAsString());
        assertEquals(
                "BertForSequenceClassification",
                config.getAsJsonArray("architectures").get(0).getAsString());
        var names = Safetensors.read(report.exported().resolve("model.safetensors")).keySet();
        assertTrue(names.contains("bert.pooler.dense.weight"), names.toString());
        assertTrue(names.contains("bert.embeddings.word_embeddings.weight"), names.toString());
        assertTrue(names.contains("classifier.weight"), names.toString());
        try (TextClassifier reloaded = TextClassifier.load(report.exported(), 32)) {
            List<String> texts = List.of("w1 w7 w3", "w1 w2 w3", "w7", "w9 w8 w6 w5");
            var predicted = reloaded.predict(texts).stream().map(p -> p.label()).toList();
            assertEquals(List.of("pos", "neg", "pos", "neg"), predicted);
        }
    }

    @Test
    void accumulatingTwoHalfBatchesEqualsOneFullBatch() throws Exception {
        // Micro-batches of 8 accumulated in pairs take as many optimizer steps as batches of 16,
        // and learn the task as well (the batches differ, so outcomes, not bits, are compared).
        TrainingReport<ClassificationMetrics> full =
                trainer(dir.resolve("acc1")).optEpochs(4).optDropout(0).build().train();
        TrainingReport<ClassificationMetrics> accumulated =
                trainer(dir.resolve("acc2"))
                        .optEpochs(4)
                        .optDropout(0)
                        .optBatchSize(8)
                        .optGradientAccumulation(2)
                        .build()
                        .train();
        assertEquals(full.steps(), accumulated.steps(), "k micro-batches make one optimizer step");
        assertTrue(
                accumulated.best().metrics().accuracy() >= 0.95,
                accumulated.evaluations().toString());
    }

    @Test
    void theGpuOptionsAreAcceptedAndHarmlessOnCpu() throws Exception {
        // allow_growth and the AMP rewriter are GPU features; on CPU the session must train all the
        // same.
        TrainingReport<ClassificationMetrics> report =
                trainer(dir.resolve("amp")).optEpochs(3).optMixedPrecision(true).build().train();
        assertTrue(report.best().metrics().accuracy() >= 0.95, report.evaluations().toString());
    }

    @Test
    void badRunsAreRefusedWithAReason() throws Exception {
        Path oneClass = dir.resolve("one.csv");
        Files.writeString(
                oneClass,
                "text,label\nw1 w2,a\nw3 w4,a\nw5 w6,a\nw1 w3,a\nw2 w6,a\nw4 w4,a\nw3 w3,a\nw1 w1,a\n");
        FinetuneException single =
                assertThrows(
                        FinetuneException.class,
                        () ->
                                ClassifierTrainer.builder()
                                        .setModelDir(pretrained)
                                        .setTrainFile(oneClass)
                                        .setTextColumn("text")
                                        .setLabelColumn("label")
                                        .setOutputDir(dir.resolve("r1"))
                                        .build()
                                        .train());
        assertTrue(single.getMessage().contains("single class"), single.getMessage());

        FinetuneException column =
                assertThrows(
                        FinetuneException.class,
                        () ->
                                ClassifierTrainer.builder()
                                        .setModelDir(pretrained)
                                        .setTrainFile(data)
                                        .setTextColumn("body")
                                        .setLabelColumn("label")
                                        .setOutputDir(dir.resolve("r2"))
                                        .build()
                                        .train());
        assertTrue(column.getMessage().contains("no column 'body'"), column.getMessage());

        Path out = dir.resolve("r3");
        Files.createDirectories(out.resolve("model"));
        FinetuneException exists =
                assertThrows(
                        FinetuneException.class, () -> trainer(out).optMaxSteps(1).build().train());
        assertTrue(exists.getMessage().contains("--overwrite"), exists.getMessage());
    }

    @Test
    void aLossThatBecomesNanStopsTheRunAndSaysWhere() throws Exception {
        // A corrupted pretrained file with a NaN weight is refused when read, naming the weight.
        Path broken = TinyBert.huggingFaceDir(dir.resolve("broken"));
        Path file = broken.resolve("model.safetensors");
        Map<String, WeightTensor> weights = new LinkedHashMap<>(Safetensors.read(file));
        String name = "encoder.layer.0.output.dense.bias";
        float[] nan = new float[weights.get(name).data().length];
        java.util.Arrays.fill(nan, Float.NaN);
        weights.put(name, new WeightTensor(weights.get(name).shape(), nan));
        Safetensors.write(file, weights, Map.of("format", "pt"));
        FinetuneException refused =
                assertThrows(
                        FinetuneException.class,
                        () -> trainer(dir.resolve("nan")).setModelDir(broken).build().train());
        assertTrue(
                refused.getMessage().contains(name + " has 32 NaN or infinite values"),
                refused.getMessage());

        // Finite but absurd weights overflow in the forward pass: the very first loss is NaN.
        float[] huge = new float[nan.length];
        for (int i = 0; i < huge.length; i++) {
            huge[i] = i % 2 == 0 ? 3e38f : -3e38f;
        }
        weights.put(name, new WeightTensor(weights.get(name).shape(), huge));
        Files.delete(file);
        Safetensors.write(file, weights, Map.of("format", "pt"));
        FinetuneException e =
                assertThrows(
                        FinetuneException.class,
                        () -> trainer(dir.resolve("nan")).setModelDir(broken).build().train());
        assertTrue(e.getMessage().contains("the loss became NaN at step 1"), e.getMessage());
        assertTrue(e.getMessage().contains("Lower --learning-rate"), e.getMessage());
    }

    @Test
    void schedulesWarmUpThenDecay() {
        LearningRateSchedule linear =
                new LearningRateSchedule(LearningRateSchedule.Kind.LINEAR, 1.0, 10, 110);
        assertEquals(0.1, linear.at(1), 1e-12);
        assertEquals(1.0, linear.at(10), 1e-12);
        assertEquals(0.5, linear.at(60), 1e-12);
        assertEquals(0.0, linear.at(110), 1e-12);
        LearningRateSchedule cosine =
                new LearningRateSchedule(LearningRateSchedule.Kind.COSINE, 1.0, 0, 100);
        assertEquals(0.5, cosine.at(50), 1e-12);
        assertEquals(
                1.0,
                new LearningRateSchedule(LearningRateSchedule.Kind.CONSTANT, 1.0, 0, 10).at(7),
                1e-12);
    }

    @Test
    void metricsFromAConfusionMatrix() {
        ClassificationMetrics m =
                ClassificationMetrics.of(
                        new int[] {0, 0, 1, 1, 1}, new int[] {0, 1, 1, 1, 0}, 2, 0.3);
        assertEquals(0.6, m.accuracy(), 1e-12);
        assertEquals(1, m.confusion()[0][0]);
        assertEquals(1, m.confusion()[0][1]);
        assertEquals(2.0 / 3, m.precision()[1], 1e-12);
        assertEquals(2.0 / 3, m.recall()[1], 1e-12);
        assertEquals((0.5 + 2.0 / 3) / 2, m.macroF1(), 1e-12);
    }
}
