package dev.hubtune.models.bert;

import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps HF PyTorch BERT parameters to the graph's and back: {@code nn.Linear} stores its weight
 * {@code [out, in]} where TensorFlow's MatMul wants {@code [in, out]}, so dense kernels are
 * transposed (embeddings and LayerNorm are not); the {@code bert.} prefix of task models and the
 * old {@code LayerNorm.gamma/beta} names are normalised.
 */
public final class BertWeights {

    private BertWeights() {}

    /** PyTorch-layout HF parameters to the graph's names and layout. */
    public static Map<String, WeightTensor> fromPyTorch(Map<String, WeightTensor> hf) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : hf.entrySet()) {
            String name = e.getKey().startsWith("bert.") ? e.getKey().substring(5) : e.getKey();
            name =
                    name.replace("LayerNorm.gamma", "LayerNorm.weight")
                            .replace("LayerNorm.beta", "LayerNorm.bias");
            out.put(name, e.getValue());
        }
        return transposeKernels(out);
    }

    /** {@code weights} with every dense kernel transposed, the kernels in parallel. */
    private static Map<String, WeightTensor> transposeKernels(Map<String, WeightTensor> weights) {
        return WeightTransforms.transposeWhere(weights, BertWeights::isDenseKernel);
    }

    /**
     * Google BERT's TensorFlow variable names ({@code
     * module/bert/encoder/layer_0/attention/self/query/kernel}, {@code
     * cls/predictions/output_bias}) to the graph's. TensorFlow kernels are already {@code [in,
     * out]}; optimizer slots ({@code adam_m}, {@code adam_v}) and counters are dropped.
     */
    public static Map<String, WeightTensor> fromTensorFlow(Map<String, WeightTensor> tf) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : tf.entrySet()) {
            String name = e.getKey();
            if (name.endsWith("/adam_m") || name.endsWith("/adam_v")) {
                continue;
            }
            name = name.startsWith("module/") ? name.substring("module/".length()) : name;
            name = name.startsWith("bert/") ? name.substring("bert/".length()) : name;
            name =
                    name.replaceAll("layer_(\\d+)", "layer.$1")
                            .replace("LayerNorm/gamma", "LayerNorm/weight")
                            .replace("LayerNorm/beta", "LayerNorm/bias")
                            .replace("/kernel", "/weight")
                            .replace("/output_bias", "/bias")
                            .replace('/', '.');
            if (name.endsWith("_embeddings")) {
                name += ".weight";
            }
            out.put(name, e.getValue());
        }
        return out;
    }

    /**
     * The graph's parameters to HF PyTorch layout (for model.safetensors). With a task head ({@code
     * classifier.*}, {@code cls.*}) the encoder's names get the {@code bert.} prefix, as in HF's
     * task models ({@code BertForSequenceClassification}, {@code BertForMaskedLM}); transformers
     * refuses a head next to unprefixed encoder weights.
     */
    public static Map<String, WeightTensor> toPyTorch(Map<String, WeightTensor> graph) {
        boolean head =
                graph.keySet().stream()
                        .anyMatch(n -> n.startsWith("classifier.") || n.startsWith("cls."));
        Map<String, WeightTensor> transposed = transposeKernels(graph);
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : transposed.entrySet()) {
            String name = e.getKey();
            boolean encoder =
                    name.startsWith("embeddings.")
                            || name.startsWith("encoder.")
                            || name.startsWith("pooler.");
            out.put(head && encoder ? "bert." + name : name, e.getValue());
        }
        return out;
    }

    static boolean isDenseKernel(String name, WeightTensor t) {
        return t.shape().length == 2 && name.endsWith(".weight") && !name.contains("embeddings.");
    }
}
