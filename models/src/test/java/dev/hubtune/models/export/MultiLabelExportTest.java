package dev.hubtune.models.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.ModelExports;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.testing.EncoderParity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-label or regression export is transformers' {@code *ForSequenceClassification} with its
 * {@code problem_type}: the same checkpoint as a single-label classifier (so the encoder families'
 * sequence-classification fixture holds its logits), and hubtune's multi-label head computes the
 * sigmoid of exactly those logits, for every family.
 */
class MultiLabelExportTest {

    @TempDir Path dir;

    @Test
    void multiLabelExportsKeepTransformersLogitsAndSayTheirProblemType() throws Exception {
        int checked = 0;
        for (String name : EncoderParity.caseNames()) {
            JsonObject c = EncoderParity.reference(name);
            Path checkpoint = EncoderParity.checkpoint(c, "sequence", 3, dir.resolve(name + "-hf"));
            PretrainedModel model = ModelFamilies.load(checkpoint);
            ExportMetadata meta =
                    ExportMetadata.sequenceClassifier(List.of("a", "b", "c"), Pooling.POOLER)
                            .withOutputs(
                                    new ExportMetadata.Outputs(
                                            ExportMetadata.ProblemType.MULTI_LABEL_CLASSIFICATION,
                                            List.of(0.5, 0.3, 0.7)));
            Path out =
                    HfExport.write(
                            model.family(),
                            model.config(),
                            model.weights(),
                            meta,
                            checkpoint,
                            dir.resolve(name + "-export"));
            JsonObject config =
                    JsonParser.parseString(Files.readString(out.resolve("config.json")))
                            .getAsJsonObject();
            assertEquals(
                    "multi_label_classification", config.get("problem_type").getAsString(), name);
            assertEquals(
                    c.get("sequence_architecture").getAsString(),
                    config.getAsJsonArray("architectures").get(0).getAsString());
            ExportMetadata back = ModelExports.metadata(ModelFamilies.describe(out));
            assertEquals(meta.outputs(), back.outputs(), name);
            double delta = EncoderParity.multiLabelDelta(c, out, 3);
            assertTrue(delta < 1e-5, name + ": max |Δ sigmoid(logits)| " + delta);
            checked++;
        }
        assertTrue(checked >= 8, "cases: " + checked);
    }

    @Test
    void regressionOutputsRoundTripThroughTheConfig() throws Exception {
        ExportMetadata.Outputs o =
                new ExportMetadata.Outputs(ExportMetadata.ProblemType.REGRESSION, List.of());
        JsonObject config =
                new com.google.gson.Gson()
                        .toJsonTree(
                                HfExport.hfConfig(
                                        new dev.hubtune.models.bert.BertFamily(),
                                        dev.hubtune.models.testing.TinyBert.CONFIG,
                                        ExportMetadata.sequenceClassifier(
                                                        List.of("stars"), Pooling.POOLER)
                                                .withOutputs(o)))
                        .getAsJsonObject();
        assertEquals("regression", config.get("problem_type").getAsString());
        assertEquals(1, config.get("num_labels").getAsInt());
        assertEquals(
                "BertForSequenceClassification",
                config.getAsJsonArray("architectures").get(0).getAsString());
        assertEquals(o, ExportMetadata.Outputs.read(config).orElseThrow());
    }
}
