package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.ModelExports;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.testing.TinyEncoders;
import dev.hubtune.models.weights.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA, ModernBERT and DeBERTa-v2 fine-tuned end to end on the
 * synthetic task with their transformers heads: they learn it, the export is transformers' {@code
 * <Family>ForSequenceClassification} checkpoint (prefixed encoder, the family's head names),
 * reloads with the best evaluation's accuracy exactly, and a second export of the export holds the
 * same tensors (names and layout map both ways).
 */
class EncoderFamiliesFineTuneTest {

    @TempDir static Path dir;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        data = ClassifierTrainerTest.syntheticCsv(dir.resolve("train.csv"), 600, 3);
    }

    @ParameterizedTest
    @CsvSource({
        "roberta, RobertaForSequenceClassification, roberta., classifier.out_proj.weight",
        "xlm-roberta, XLMRobertaForSequenceClassification, roberta., classifier.dense.weight",
        "distilbert, DistilBertForSequenceClassification, distilbert., pre_classifier.weight",
        "electra, ElectraForSequenceClassification, electra., classifier.out_proj.weight",
        "modernbert, ModernBertForSequenceClassification, model., head.dense.weight",
        "deberta-v2, DebertaV2ForSequenceClassification, deberta., pooler.dense.weight"
    })
    void fineTunesAndExportsAsTransformersClassifier(
            String modelType, String architecture, String prefix, String headWeight)
            throws Exception {
        Path pretrained = TinyEncoders.huggingFaceDir(dir.resolve(modelType), modelType);
        TrainingReport<ClassificationMetrics> report =
                ClassifierTrainer.builder()
                        .setModelDir(pretrained)
                        .setTrainFile(data)
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(dir.resolve(modelType + "-run"))
                        .optEpochs(5)
                        .optBatchSize(16)
                        .optLearningRate(2e-3)
                        .optMaxLength(32)
                        .optSeed(7)
                        .optThreads(2)
                        .build()
                        .train();
        double accuracy = report.best().metrics().accuracy();
        assertTrue(accuracy >= 0.9, modelType + ": " + report.evaluations());

        Path export = report.exported();
        JsonObject config =
                JsonParser.parseString(Files.readString(export.resolve("config.json")))
                        .getAsJsonObject();
        assertEquals(modelType, config.get("model_type").getAsString());
        assertEquals(architecture, config.getAsJsonArray("architectures").get(0).getAsString());
        Set<String> names = Safetensors.read(export.resolve("model.safetensors")).keySet();
        assertTrue(
                names.stream().anyMatch(n -> n.startsWith(prefix + "embeddings.")),
                names.toString());
        assertTrue(names.contains(headWeight), names.toString());
        assertTrue(names.contains("classifier.bias") || names.contains("classifier.out_proj.bias"));

        List<String> texts = List.of("w1 w7 w3", "w1 w2 w3", "w7", "w9 w8 w6 w5 w4 w3 w2");
        try (TextClassifier reloaded = TextClassifier.load(export, 32)) {
            var first = reloaded.predict(texts);
            assertEquals(
                    List.of("pos", "neg", "pos", "neg"),
                    first.stream().map(TextClassifier.Prediction::label).toList());
            Path again = ModelExports.huggingFace(export, dir.resolve(modelType + "-again"));
            try (TextClassifier twice = TextClassifier.load(again, 32)) {
                var second = twice.predict(texts);
                for (int i = 0; i < texts.size(); i++) {
                    assertArrayEquals(first.get(i).probabilities(), second.get(i).probabilities());
                }
            }
        }
    }
}
