package dev.hubtune.models.testing;

import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** A tiny BERT (2 layers, hidden 32) with seeded random weights and a matching vocab.txt. */
public final class TinyBert {

    /** The configuration: 2 layers, hidden 32, 4 heads, FFN 64, 64 positions, vocab 40. */
    public static final BertConfig CONFIG =
            new BertConfig(40, 32, 2, 4, 64, 64, 2, 1e-12, BertConfig.Activation.GELU);

    private TinyBert() {}

    /**
     * Weights under HF names, kernels [in, out], normal(0, 0.2) (larger than usual, so errors
     * show).
     */
    public static Map<String, WeightTensor> weights(long seed) {
        Random r = new Random(seed);
        Map<String, WeightTensor> w = new LinkedHashMap<>();
        int h = CONFIG.hiddenSize();
        put(w, r, "embeddings.word_embeddings.weight", CONFIG.vocabSize(), h);
        put(w, r, "embeddings.position_embeddings.weight", CONFIG.maxPositions(), h);
        put(w, r, "embeddings.token_type_embeddings.weight", CONFIG.typeVocabSize(), h);
        layerNorm(w, r, "embeddings.LayerNorm");
        for (int i = 0; i < CONFIG.numLayers(); i++) {
            String p = "encoder.layer." + i;
            for (String d :
                    new String[] {
                        ".attention.self.query",
                        ".attention.self.key",
                        ".attention.self.value",
                        ".attention.output.dense"
                    }) {
                put(w, r, p + d + ".weight", h, h);
                put(w, r, p + d + ".bias", h);
            }
            layerNorm(w, r, p + ".attention.output.LayerNorm");
            put(w, r, p + ".intermediate.dense.weight", h, CONFIG.intermediateSize());
            put(w, r, p + ".intermediate.dense.bias", CONFIG.intermediateSize());
            put(w, r, p + ".output.dense.weight", CONFIG.intermediateSize(), h);
            put(w, r, p + ".output.dense.bias", h);
            layerNorm(w, r, p + ".output.LayerNorm");
        }
        return w;
    }

    /** Writes a vocab.txt of 40 tokens (5 specials, 35 words w0…w34) into {@code dir}. */
    public static Path vocab(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        for (int i = 0; i < 35; i++) {
            sb.append('w').append(i).append('\n');
        }
        Files.writeString(dir.resolve("vocab.txt"), sb);
        return dir;
    }

    private static void layerNorm(Map<String, WeightTensor> w, Random r, String name) {
        float[] gamma = new float[CONFIG.hiddenSize()];
        for (int i = 0; i < gamma.length; i++) {
            gamma[i] = 1f + 0.1f * (float) r.nextGaussian();
        }
        w.put(name + ".weight", new WeightTensor(new long[] {gamma.length}, gamma));
        put(w, r, name + ".bias", CONFIG.hiddenSize());
    }

    private static void put(Map<String, WeightTensor> w, Random r, String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = 0.2f * (float) r.nextGaussian();
        }
        w.put(name, new WeightTensor(shape, data));
    }
}
