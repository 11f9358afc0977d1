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

    /** BERT's initializer range. */
    public static final float STD = 0.02f;

    private BertInit() {}

    /** Weights for {@code config} under HF names, kernels [in, out]. */
    public static Map<String, WeightTensor> random(BertConfig config, long seed) {
        return random(config, seed, STD);
    }

    /** The same with another standard deviation (tests use larger ones so that errors show). */
    public static Map<String, WeightTensor> random(BertConfig config, long seed, float std) {
        Random r = new Random(seed);
        Map<String, WeightTensor> w = new LinkedHashMap<>();
        int h = config.hiddenSize();
        w.put(
                "embeddings.word_embeddings.weight",
                WeightTensor.normal(r, std, config.vocabSize(), h));
        w.put(
                "embeddings.position_embeddings.weight",
                WeightTensor.normal(r, std, config.maxPositions(), h));
        w.put(
                "embeddings.token_type_embeddings.weight",
                WeightTensor.normal(r, std, config.typeVocabSize(), h));
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
                w.put(p + d + ".weight", WeightTensor.normal(r, std, h, h));
                w.put(p + d + ".bias", WeightTensor.zeros(h));
            }
            layerNorm(w, p + ".attention.output.LayerNorm", h);
            w.put(
                    p + ".intermediate.dense.weight",
                    WeightTensor.normal(r, std, h, config.intermediateSize()));
            w.put(p + ".intermediate.dense.bias", WeightTensor.zeros(config.intermediateSize()));
            w.put(
                    p + ".output.dense.weight",
                    WeightTensor.normal(r, std, config.intermediateSize(), h));
            w.put(p + ".output.dense.bias", WeightTensor.zeros(h));
            layerNorm(w, p + ".output.LayerNorm", h);
        }
        return w;
    }

    /**
     * Encoder weights plus the pretraining heads a fresh masked-LM model has: the pooler ({@code
     * pooler.dense.*}) and the masked-LM transform and bias ({@code cls.predictions.*}; its
     * projection is tied to the word embeddings).
     */
    public static Map<String, WeightTensor> randomPretraining(
            BertConfig config, long seed, float std) {
        Map<String, WeightTensor> w = random(config, seed, std);
        Random r = new Random(seed ^ 0x5DEECE66DL);
        int h = config.hiddenSize();
        w.put("pooler.dense.weight", WeightTensor.normal(r, std, h, h));
        w.put("pooler.dense.bias", WeightTensor.zeros(h));
        w.put("cls.predictions.transform.dense.weight", WeightTensor.normal(r, std, h, h));
        w.put("cls.predictions.transform.dense.bias", WeightTensor.zeros(h));
        layerNorm(w, "cls.predictions.transform.LayerNorm", h);
        w.put("cls.predictions.bias", WeightTensor.zeros(config.vocabSize()));
        return w;
    }

    /** A normal(0, 0.02) tensor. */
    public static WeightTensor normal(Random r, long... shape) {
        return WeightTensor.normal(r, STD, shape);
    }

    private static void layerNorm(Map<String, WeightTensor> w, String name, int n) {
        w.put(name + ".weight", WeightTensor.filled(n, 1f));
        w.put(name + ".bias", WeightTensor.zeros(n));
    }
}
