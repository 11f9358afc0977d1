package dev.hubtune.models.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.apps.FillMask;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The masked-LM head and the pooler against a plain-Java computation from the encoder's own hidden
 * states, and fill-mask's handling of texts without (or with two) masks. Real weights are proven in
 * {@link EasyBertParityTest}.
 */
class FillMaskTest {

    @TempDir Path dir;

    @Test
    void headAndPoolerMatchAPlainJavaComputation() throws Exception {
        Map<String, WeightTensor> w = BertInit.randomPretraining(TinyBert.CONFIG, 3, 0.2f);
        // Non-zero biases, so that a missing or misplaced bias shows.
        float[] bias = w.get("cls.predictions.bias").data();
        for (int i = 0; i < bias.length; i++) {
            bias[i] = 0.1f * (i % 7) - 0.3f;
        }
        try (EncoderModel model = TinyBert.load(TinyBert.CONFIG, w);
                TextTokenizer tok =
                        TextTokenizer.builder().setModelDir(TinyBert.vocab(dir)).build()) {
            Batch batch = tok.encodeBatch(List.of("w1 [MASK] w3", "w4 w5"));
            float[][][] hidden = model.sequenceOutput(batch);
            float[][] probs = model.maskedLmProbabilities(batch, new int[][] {{0, 2}, {1, 1}});
            int[][] at = {{0, 2}, {1, 1}};
            for (int i = 0; i < at.length; i++) {
                float[] expected = maskedLm(w, hidden[at[i][0]][at[i][1]]);
                assertArrayEquals(expected, probs[i], 1e-5f, "position " + i);
            }
            float[][] pooled = model.pooledOutput(batch);
            for (int b = 0; b < 2; b++) {
                float[] dense = linear(w, "pooler.dense", hidden[b][0]);
                for (int k = 0; k < dense.length; k++) {
                    dense[k] = (float) Math.tanh(dense[k]);
                }
                assertArrayEquals(dense, pooled[b], 1e-5f);
            }
        }
    }

    @Test
    void textsWithoutExactlyOneMaskAndModelsWithoutTheHeadAreRefused() throws Exception {
        Path mlm = TinyBert.maskedLmDir(dir, 5);
        try (FillMask fill = FillMask.builder().setModelDir(mlm).build()) {
            List<FillMask.Prediction> top = fill.predict("w1 w2 [MASK] w4", 3);
            assertEquals(3, top.size());
            assertTrue(top.get(0).score() >= top.get(1).score());
            assertEquals("w1 w2 " + top.get(0).token() + " w4", top.get(0).sequence());
            ModelException none =
                    assertThrows(ModelException.class, () -> fill.predict("w1 w2", 3));
            assertTrue(none.getMessage().contains("has no [MASK]"), none.getMessage());
            ModelException two =
                    assertThrows(ModelException.class, () -> fill.predict("[MASK] w2 [MASK]", 3));
            assertTrue(two.getMessage().contains("more than one"), two.getMessage());
        }
        ModelException encoderOnly =
                assertThrows(
                        ModelException.class,
                        () -> FillMask.builder().setModelDir(TinyBert.huggingFaceDir(dir)).build());
        assertTrue(
                encoderOnly.getMessage().contains("no masked-LM head"), encoderOnly.getMessage());
    }

    /** softmax(LN(gelu(x·W + b))·E^T + bias), in doubles. */
    private static float[] maskedLm(Map<String, WeightTensor> w, float[] x) {
        float[] t = linear(w, "cls.predictions.transform.dense", x);
        for (int k = 0; k < t.length; k++) {
            t[k] = (float) (0.5 * t[k] * (1 + erf(t[k] / Math.sqrt(2))));
        }
        double mean = 0;
        for (float v : t) {
            mean += v / t.length;
        }
        double var = 0;
        for (float v : t) {
            var += (v - mean) * (v - mean) / t.length;
        }
        float[] gamma = w.get("cls.predictions.transform.LayerNorm.weight").data();
        float[] beta = w.get("cls.predictions.transform.LayerNorm.bias").data();
        for (int k = 0; k < t.length; k++) {
            t[k] = (float) ((t[k] - mean) / Math.sqrt(var + 1e-12) * gamma[k] + beta[k]);
        }
        WeightTensor e = w.get("embeddings.word_embeddings.weight");
        int vocab = (int) e.dim(0);
        int h = (int) e.dim(1);
        double[] logits = new double[vocab];
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            double s = w.get("cls.predictions.bias").data()[v];
            for (int k = 0; k < h; k++) {
                s += t[k] * e.data()[v * h + k];
            }
            logits[v] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (double l : logits) {
            sum += Math.exp(l - max);
        }
        float[] out = new float[vocab];
        for (int v = 0; v < vocab; v++) {
            out[v] = (float) (Math.exp(logits[v] - max) / sum);
        }
        return out;
    }

    private static float[] linear(Map<String, WeightTensor> w, String name, float[] x) {
        WeightTensor k = w.get(name + ".weight");
        float[] b = w.get(name + ".bias").data();
        int out = (int) k.dim(1);
        float[] y = new float[out];
        for (int j = 0; j < out; j++) {
            double s = b[j];
            for (int i = 0; i < x.length; i++) {
                s += x[i] * k.data()[i * out + j];
            }
            y[j] = (float) s;
        }
        return y;
    }

    /** erf from Numerical Recipes' Chebyshev fit of erfc (accurate to 1.2e-7). */
    private static double erf(double x) {
        double[] c = {
            -1.26551223,
            1.00002368,
            0.37409196,
            0.09678418,
            -0.18628806,
            0.27886807,
            -1.13520398,
            1.48851587,
            -0.82215223,
            0.17087277
        };
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double poly = 0;
        for (int i = c.length - 1; i >= 0; i--) {
            poly = c[i] + t * poly;
        }
        double r = t * Math.exp(-z * z + poly);
        return x >= 0 ? 1 - r : r - 1;
    }
}
