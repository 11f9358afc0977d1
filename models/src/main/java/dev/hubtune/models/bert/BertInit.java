package dev.hubtune.models.bert;

import dev.hubtune.models.weights.WeightTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Fresh BERT weights as BERT initialises them: normal(0, 0.02) for matrices and embeddings, zero
 * biases, LayerNorm scale 1 and shift 0. Seeded, so a preset always gives the same model.
 */
public final class BertInit {

    private BertInit() {}

    /** Weights for {@code config} under HF names, kernels [in, out]. */
    public static Map<String, WeightTensor> random(BertConfig config, long seed) {
        Random r = new Random(seed);
        Map<String, WeightTensor> w = new LinkedHashMap<>();
        int h = config.hiddenSize();
        normal(w, r, "embeddings.word_embeddings.weight", config.vocabSize(), h);
        normal(w, r, "embeddings.position_embeddings.weight", config.maxPositions(), h);
        normal(w, r, "embeddings.token_type_embeddings.weight", config.typeVocabSize(), h);
        layerNorm(w, "embeddings.LayerNorm", h);
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "encoder.layer." + i;
            for (String d :
                    new String[] {
                        ".attention.self.query",
                        ".attention.self.key",
                        ".attention.self.value",
                        ".attention.output.dense"
                    }) {
                normal(w, r, p + d + ".weight", h, h);
                zeros(w, p + d + ".bias", h);
            }
            layerNorm(w, p + ".attention.output.LayerNorm", h);
            normal(w, r, p + ".intermediate.dense.weight", h, config.intermediateSize());
            zeros(w, p + ".intermediate.dense.bias", config.intermediateSize());
            normal(w, r, p + ".output.dense.weight", config.intermediateSize(), h);
            zeros(w, p + ".output.dense.bias", h);
            layerNorm(w, p + ".output.LayerNorm", h);
        }
        return w;
    }

    /** A normal(0, 0.02) tensor. */
    public static WeightTensor normal(Random r, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = 0.02f * (float) r.nextGaussian();
        }
        return new WeightTensor(shape, data);
    }

    private static void normal(Map<String, WeightTensor> w, Random r, String name, long... shape) {
        w.put(name, normal(r, shape));
    }

    private static void zeros(Map<String, WeightTensor> w, String name, int n) {
        w.put(name, new WeightTensor(new long[] {n}, new float[n]));
    }

    private static void layerNorm(Map<String, WeightTensor> w, String name, int n) {
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        w.put(name + ".weight", new WeightTensor(new long[] {n}, ones));
        zeros(w, name + ".bias", n);
    }
}
