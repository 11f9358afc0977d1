package dev.hubtune.models.llama;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Llama-family parameters between HF's checkpoints and the graph: names stay as HF's ({@code
 * model.layers.0.self_attn.q_proj.weight}); every {@code nn.Linear} kernel, stored {@code [out,
 * in]} by PyTorch, is transposed to the graph's {@code [in, out]} (the embedding and the norms are
 * not). Rotary buffers of old checkpoints are dropped; a tied model's {@code lm_head.weight}, where
 * a checkpoint carries one anyway, must equal the embedding.
 */
public final class LlamaWeights {

    private LlamaWeights() {}

    /** HF checkpoint tensors to the graph's names and layout. */
    public static Map<String, WeightTensor> fromHuggingFace(
            Map<String, WeightTensor> hf, LlamaConfig config) throws ModelException {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : hf.entrySet()) {
            String name = e.getKey();
            if (name.endsWith("rotary_emb.inv_freq")) {
                continue; // a buffer of old checkpoints, recomputed from rope_theta
            }
            if (name.equals("lm_head.weight") && config.tieWordEmbeddings()) {
                WeightTensor embed = hf.get("model.embed_tokens.weight");
                if (embed != null && !Arrays.equals(embed.data(), e.getValue().data())) {
                    throw new ModelException(
                            "lm_head.weight differs from model.embed_tokens.weight, but the config"
                                    + " says tie_word_embeddings: set it to false in config.json");
                }
                continue;
            }
            out.put(name, e.getValue());
        }
        return WeightTransforms.transposeWhere(out, LlamaWeights::isLinearKernel);
    }

    /**
     * Graph parameters to HF's names and layout (as {@code *ForCausalLM} checkpoints hold them).
     */
    public static Map<String, WeightTensor> toHuggingFace(Map<String, WeightTensor> graph) {
        return WeightTransforms.transposeWhere(graph, LlamaWeights::isLinearKernel);
    }

    static boolean isLinearKernel(String name, WeightTensor t) {
        return t.shape().length == 2 && name.endsWith(".weight") && !name.contains("embed_tokens");
    }
}
