package dev.hubtune.models.llama;

import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.ModelFamily;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.weights.Gguf;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightFiles;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Llama-architecture decoders ({@code model_type} {@code llama}, {@code mistral}, {@code qwen2},
 * {@code gemma}, and checkpoints that reuse them such as SmolLM2, TinyLlama, Qwen2.5) from HF
 * safetensors, sharded or not, F32/F16/BF16 (upcast to float32), and from llama.cpp GGUF files
 * (F32, F16, BF16, Q8_0, Q4_0, Q4_1, dequantised).
 */
public final class LlamaFamily implements ModelFamily {

    /** For the ServiceLoader. */
    public LlamaFamily() {}

    @Override
    public String displayName() {
        return "Llama-architecture decoder";
    }

    @Override
    public List<String> modelTypes() {
        return LlamaConfig.MODEL_TYPES;
    }

    @Override
    public Set<ModelTask> tasks() {
        return EnumSet.of(ModelTask.CAUSAL_LM);
    }

    @Override
    public FamilyConfig readConfig(JsonObject config, Path file) throws ModelException {
        return LlamaConfig.read(config, file);
    }

    @Override
    public Map<String, WeightTensor> readWeights(Path dir, FamilyConfig config)
            throws ModelException {
        LlamaConfig c = (LlamaConfig) config;
        WeightFiles.Found found =
                WeightFiles.find(
                        dir, EnumSet.of(WeightFiles.Format.SAFETENSORS, WeightFiles.Format.GGUF));
        if (found.format() == WeightFiles.Format.GGUF) {
            try (Gguf gguf = Gguf.open(found.path())) {
                return LlamaWeights.fromHuggingFace(GgufLlama.weights(gguf, c), c);
            }
        }
        return LlamaWeights.fromHuggingFace(Safetensors.readModel(found.path()), c);
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("llama");
    }

    @Override
    public Map<String, JsonObject> ggufFiles(Gguf gguf) throws ModelException {
        Map<String, JsonObject> files = new java.util.LinkedHashMap<>();
        files.put("config.json", GgufLlama.config(gguf));
        files.put("tokenizer.json", GgufLlama.tokenizer(gguf));
        files.put("tokenizer_config.json", GgufLlama.tokenizerConfig(gguf));
        return files;
    }

    @Override
    public Backbone build(BuildContext context, FamilyConfig config) {
        return new LlamaBackbone(context, (LlamaConfig) config);
    }

    @Override
    public String hfArchitecture(String modelType, ModelTask task) {
        return switch (modelType) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "gemma" -> "GemmaForCausalLM";
            default -> "LlamaForCausalLM";
        };
    }

    @Override
    public Map<String, WeightTensor> toHfWeights(
            Map<String, WeightTensor> weights, ModelTask task) {
        return LlamaWeights.toHuggingFace(weights);
    }
}
