package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.tokenizers.data.DatasetReader;
import dev.hubtune.tokenizers.data.Example;
import dev.hubtune.tokenizers.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A BiLSTM and a BiGRU text classifier created from scratch ({@code hubtune-rnn}, fresh weights and
 * a BERT tokenizer) and trained by the shared loop on the synthetic "does w7 occur" task: they
 * learn it, and the export reloads and serves through DJL with the same predictions.
 */
class RnnClassifierTest {

    @TempDir static Path dir;
    static Path tokenizer;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        tokenizer = TinyBert.huggingFaceDir(dir.resolve("bert"));
        data = ClassifierTrainerTest.syntheticCsv(dir.resolve("train.csv"), 800, 3);
    }

    /** A small recurrent model: embedding 16, one bidirectional layer of 16 units, 16 steps. */
    static Path fresh(String cell, Path out) throws Exception {
        Path config = dir.resolve(cell + "-config.json");
        Files.writeString(
                config,
                "{\"model_type\": \"hubtune-rnn\", \"cell\": \""
                        + cell
                        + "\", \"embedding_size\": 16, \"hidden_size\": 16, \"num_layers\": 1,"
                        + " \"bidirectional\": true, \"max_length\": 16}");
        return ModelInitializer.createFromConfig(config, tokenizer, out, 5);
    }

    private static ClassifierTrainer.Builder trainer(Path model, Path out) {
        return ClassifierTrainer.builder()
                .setModelDir(model)
                .setTrainFile(data)
                .setTextColumn("text")
                .setLabelColumn("label")
                .setOutputDir(out)
                .optEpochs(6)
                .optBatchSize(16)
                .optLearningRate(1e-2)
                .optMaxLength(16)
                .optSeed(7)
                .optThreads(2);
    }

    @Test
    void aBiLstmFromScratchLearnsTheTaskAndItsExportPredictsAndServesTheSame() throws Exception {
        Path model = fresh("lstm", dir.resolve("bilstm"));
        JsonObject created =
                JsonParser.parseString(Files.readString(model.resolve("config.json")))
                        .getAsJsonObject();
        assertEquals("hubtune-rnn", created.get("model_type").getAsString());
        TrainingReport<ClassificationMetrics> report =
                trainer(model, dir.resolve("bilstm-run")).optEpochs(3).build().train();
        double accuracy = report.best().metrics().accuracy();
        assertTrue(
                accuracy >= 0.95, "validation accuracy " + accuracy + ": " + report.evaluations());
        JsonObject config =
                JsonParser.parseString(Files.readString(report.exported().resolve("config.json")))
                        .getAsJsonObject();
        assertEquals("hubtune-rnn", config.get("model_type").getAsString());
        assertEquals(
                "HubtuneRnnForSequenceClassification",
                config.getAsJsonArray("architectures").get(0).getAsString());
        var names = Safetensors.read(report.exported().resolve("model.safetensors")).keySet();
        assertTrue(names.contains("encoder.l0_reverse.recurrent_kernel"), names.toString());
        assertTrue(names.contains("classifier.weight"), names.toString());

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
        try (TextClassifier classifier = TextClassifier.load(report.exported(), 16)) {
            var predictions = classifier.predict(texts);
            long correct = 0;
            for (int i = 0; i < texts.size(); i++) {
                correct += predictions.get(i).label().equals(gold.get(i)) ? 1 : 0;
            }
            assertEquals(accuracy, (double) correct / texts.size(), 1e-12);

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
    @Tag("slow") // two 128-step graphs: ~14 s on 2 cores
    void thePresetsWriteLoadableRecurrentModels() throws Exception {
        for (String preset : List.of("bilstm", "bigru")) {
            Path model =
                    ModelInitializer.create(preset, tokenizer, dir.resolve("preset-" + preset), 1);
            var described = dev.hubtune.models.family.ModelFamilies.describe(model);
            var config = (dev.hubtune.models.rnn.RnnConfig) described.config();
            assertEquals(preset.equals("bilstm") ? "LSTM" : "GRU", config.cell().name());
            assertEquals(256, config.hiddenSize(), "2 directions × 128 units");
            assertEquals(128, config.maxLength());
            var names = Safetensors.read(model.resolve("model.safetensors")).keySet();
            assertEquals(
                    new java.util.TreeSet<>(
                            List.of(
                                    "embeddings.word_embeddings.weight",
                                    "encoder.l0.kernel",
                                    "encoder.l0.recurrent_kernel",
                                    "encoder.l0.bias",
                                    "encoder.l0_reverse.kernel",
                                    "encoder.l0_reverse.recurrent_kernel",
                                    "encoder.l0_reverse.bias")),
                    new java.util.TreeSet<>(names));
        }
    }

    @Test
    void aBiGruFromScratchLearnsTheTask() throws Exception {
        Path model = fresh("gru", dir.resolve("bigru"));
        TrainingReport<ClassificationMetrics> report =
                trainer(model, dir.resolve("bigru-run")).optEpochs(2).build().train();
        double accuracy = report.best().metrics().accuracy();
        assertTrue(
                accuracy >= 0.95, "validation accuracy " + accuracy + ": " + report.evaluations());
    }

    /**
     * A recurrent model in data-parallel towers: two CPU devices, each on half of every batch,
     * train as one device does on the whole batch.
     */
    @Test
    void aBiLstmTrainsOnTwoDevicesAsOnOne() throws Exception {
        Path model = fresh("lstm", dir.resolve("bilstm-towers"));
        java.util.function.IntFunction<Path> run =
                devices -> {
                    try {
                        return trainer(model, dir.resolve("towers-" + devices))
                                .optMaxSteps(3)
                                .optDropout(0)
                                .optThreads(1)
                                .optDevices(devices)
                                .build()
                                .train()
                                .exported();
                    } catch (FinetuneException e) {
                        throw new IllegalStateException(e);
                    }
                };
        var one =
                dev.hubtune.models.weights.Safetensors.read(
                        run.apply(1).resolve("model.safetensors"));
        var two =
                dev.hubtune.models.weights.Safetensors.read(
                        run.apply(2).resolve("model.safetensors"));
        var start = dev.hubtune.models.weights.Safetensors.read(model.resolve("model.safetensors"));
        var encoder = new java.util.TreeMap<>(one);
        encoder.keySet().retainAll(start.keySet()); // the fresh encoder has no classifier yet
        double moved = DataParallelTest.maxDiff(start, encoder);
        double diff = DataParallelTest.maxDiff(one, two);
        assertTrue(moved > 1e-3, "3 steps changed the weights (max " + moved + ")");
        assertTrue(diff < 1e-6, "2 devices vs 1: max |diff| " + diff + " (moved " + moved + ")");
    }
}
