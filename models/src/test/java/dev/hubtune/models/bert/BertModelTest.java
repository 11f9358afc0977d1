package dev.hubtune.models.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The BERT graph on a tiny random model: masking, loading errors, and the HF export round trip. */
class BertModelTest {

    @TempDir Path dir;

    private TextTokenizer tokenizer() throws Exception {
        return TextTokenizer.builder().setModelDir(TinyBert.vocab(dir)).build();
    }

    @Test
    void paddingDoesNotChangeTheRealTokensOutputs() throws Exception {
        try (EncoderModel model = TinyBert.load(TinyBert.CONFIG, TinyBert.weights(1));
                TextTokenizer tok = tokenizer()) {
            float[][][] alone = model.sequenceOutput(tok.encodeBatch(List.of("w1 w2 w3")));
            Batch padded = tok.encodeBatch(List.of("w1 w2 w3", "w4 w5 w6 w7 w8 w9 w10 w11"));
            float[][][] batched = model.sequenceOutput(padded);
            assertTrue(batched[0].length > alone[0].length, "row 0 is padded");
            for (int t = 0; t < alone[0].length; t++) {
                assertArrayEquals(alone[0][t], batched[0][t], 1e-5f, "token " + t);
            }
            float[][] e = model.embeddings(padded, true);
            double norm = 0;
            for (float v : e[1]) {
                norm += v * v;
            }
            assertEquals(1.0, norm, 1e-5);
        }
    }

    @Test
    void missingAndMisshapenWeightsAreNamed() {
        Map<String, WeightTensor> w = new HashMap<>(TinyBert.weights(1));
        w.remove("encoder.layer.1.output.dense.bias");
        w.put("embeddings.LayerNorm.weight", new WeightTensor(new long[] {3}, new float[3]));
        ModelException e =
                assertThrows(ModelException.class, () -> TinyBert.load(TinyBert.CONFIG, w));
        assertTrue(
                e.getMessage().contains("missing: [encoder.layer.1.output.dense.bias]"),
                e.getMessage());
        assertTrue(
                e.getMessage().contains("embeddings.LayerNorm.weight [3] (expected [32])"),
                e.getMessage());
    }

    @Test
    void huggingFaceExportReimportsToIdenticalOutputs() throws Exception {
        Path out = dir.resolve("export");
        float[][][] before;
        Batch batch;
        try (EncoderModel model = TinyBert.load(TinyBert.CONFIG, TinyBert.weights(7));
                TextTokenizer tok = tokenizer()) {
            batch = tok.encodeBatch(List.of("w1 w2 w3", "w4 w5"), List.of("w6", "w7 w8 w9"));
            before = model.sequenceOutput(batch);
            TinyBert.export(
                    TinyBert.CONFIG,
                    model.weights(),
                    ExportMetadata.of(ModelTask.EMBEDDING),
                    dir,
                    out);
        }
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("vocab.txt")));
        assertTrue(Files.readString(out.resolve("hubtune.json")).contains("\"sha256\""));
        // PyTorch layout on disk: Linear weights are [out, in].
        Map<String, WeightTensor> onDisk = Safetensors.read(out.resolve("model.safetensors"));
        assertArrayEquals(
                new long[] {64, 32},
                onDisk.get("encoder.layer.0.intermediate.dense.weight").shape());
        assertEquals(TinyBert.CONFIG, ModelFamilies.describe(out).config());
        try (EncoderModel again = EncoderModel.load(out)) {
            float[][][] after = again.sequenceOutput(batch);
            for (int b = 0; b < before.length; b++) {
                for (int t = 0; t < before[b].length; t++) {
                    assertArrayEquals(before[b][t], after[b][t], 1e-6f);
                }
            }
        }
        ModelException exists =
                assertThrows(
                        ModelException.class,
                        () -> {
                            try (EncoderModel m =
                                    TinyBert.load(TinyBert.CONFIG, TinyBert.weights(7))) {
                                TinyBert.export(
                                        TinyBert.CONFIG,
                                        m.weights(),
                                        ExportMetadata.of(ModelTask.EMBEDDING),
                                        dir,
                                        out);
                            }
                        });
        assertTrue(exists.getMessage().contains("not empty"), exists.getMessage());
        try (var left = Files.list(dir)) {
            assertFalse(
                    left.anyMatch(p -> p.getFileName().toString().startsWith(".export.tmp")),
                    "no temporary directory left");
        }
    }
}
