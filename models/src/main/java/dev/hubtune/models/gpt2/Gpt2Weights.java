package dev.hubtune.models.gpt2;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.WeightTensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * GPT-2 parameters under HF names. GPT-2's {@code Conv1D} layers store {@code [in, out]} like
 * TensorFlow, so unlike BERT's {@code nn.Linear} nothing is transposed; the {@code transformer.}
 * prefix of {@code GPT2LMHeadModel} checkpoints and the causal-mask buffers ({@code attn.bias},
 * {@code attn.masked_bias}) are dropped, and {@code lm_head.weight} must equal the tied token
 * embedding.
 */
public final class Gpt2Weights {

    private Gpt2Weights() {}

    /** HF checkpoint tensors to the graph's names. */
    public static Map<String, WeightTensor> fromHuggingFace(Map<String, WeightTensor> hf)
            throws ModelException {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        WeightTensor lmHead = null;
        for (var e : hf.entrySet()) {
            String name = e.getKey();
            name = name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
            if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) {
                continue; // causal-mask buffers of old checkpoints, not parameters
            }
            if (name.equals("lm_head.weight")) {
                lmHead = e.getValue();
                continue;
            }
            out.put(name, e.getValue());
        }
        WeightTensor wte = out.get("wte.weight");
        if (lmHead != null && wte != null && !Arrays.equals(lmHead.data(), wte.data())) {
            throw new ModelException(
                    "lm_head.weight differs from wte.weight: this checkpoint does not tie its LM"
                            + " head to the token embedding, which hubtune's GPT-2 requires");
        }
        return out;
    }

    /**
     * Fresh weights as GPT-2 initialises them: normal(0, 0.02) for embeddings and kernels, the
     * residual projections ({@code c_proj}) scaled down by √(2·layers) so that the residual stream
     * does not grow with depth, zero biases, LayerNorm scale 1.
     */
    public static Map<String, WeightTensor> random(Gpt2Config c, long seed) {
        return random(c, seed, 0.02f);
    }

    /** The same with another standard deviation (tests use larger ones so that errors show). */
    public static Map<String, WeightTensor> random(Gpt2Config c, long seed, float std) {
        Random r = new Random(seed);
        float residual = std / (float) Math.sqrt(2.0 * c.numLayers());
        int h = c.hiddenSize();
        Map<String, WeightTensor> w = new LinkedHashMap<>();
        w.put("wte.weight", WeightTensor.normal(r, std, c.vocabSize(), h));
        w.put("wpe.weight", WeightTensor.normal(r, std, c.maxPositions(), h));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "h." + i;
            layerNorm(w, p + ".ln_1", h);
            w.put(p + ".attn.c_attn.weight", WeightTensor.normal(r, std, h, 3 * h));
            w.put(p + ".attn.c_attn.bias", WeightTensor.zeros(3 * h));
            w.put(p + ".attn.c_proj.weight", WeightTensor.normal(r, residual, h, h));
            w.put(p + ".attn.c_proj.bias", WeightTensor.zeros(h));
            layerNorm(w, p + ".ln_2", h);
            w.put(p + ".mlp.c_fc.weight", WeightTensor.normal(r, std, h, c.innerSize()));
            w.put(p + ".mlp.c_fc.bias", WeightTensor.zeros(c.innerSize()));
            w.put(p + ".mlp.c_proj.weight", WeightTensor.normal(r, residual, c.innerSize(), h));
            w.put(p + ".mlp.c_proj.bias", WeightTensor.zeros(h));
        }
        layerNorm(w, "ln_f", h);
        return w;
    }

    private static void layerNorm(Map<String, WeightTensor> w, String name, int n) {
        w.put(name + ".weight", WeightTensor.filled(n, 1f));
        w.put(name + ".bias", WeightTensor.zeros(n));
    }
}
