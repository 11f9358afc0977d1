package dev.hubtune.models.lora;

import dev.hubtune.models.ModelException;
import java.util.List;
import java.util.Map;

/**
 * The linear layers LoRA adapts when none are named: PEFT 0.13.2's {@code
 * TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING} for the model types both support, and for the
 * types PEFT has no default for (DistilBERT, ModernBERT, CamemBERT) the same choice — the
 * attention's query and value projections, or the fused projection where there is one.
 */
public final class LoraTargets {

    private static final Map<String, List<String>> DEFAULTS =
            Map.ofEntries(
                    // PEFT's table
                    Map.entry("bert", List.of("query", "value")),
                    Map.entry("roberta", List.of("query", "value")),
                    Map.entry("xlm-roberta", List.of("query", "value")),
                    Map.entry("electra", List.of("query", "value")),
                    Map.entry("deberta-v2", List.of("query_proj", "value_proj")),
                    Map.entry("gpt2", List.of("c_attn")),
                    Map.entry("llama", List.of("q_proj", "v_proj")),
                    Map.entry("mistral", List.of("q_proj", "v_proj")),
                    Map.entry("qwen2", List.of("q_proj", "v_proj")),
                    Map.entry("gemma", List.of("q_proj", "v_proj")),
                    // not in PEFT's table (PEFT asks for target_modules): the equivalent layers
                    Map.entry("camembert", List.of("query", "value")),
                    Map.entry("distilbert", List.of("q_lin", "v_lin")),
                    Map.entry("modernbert", List.of("Wqkv")));

    private LoraTargets() {}

    /**
     * The default target modules of {@code modelType}.
     *
     * @throws ModelException when there is none (a model type hubtune runs but has no default for)
     */
    public static List<String> defaults(String modelType) throws ModelException {
        List<String> targets = DEFAULTS.get(modelType);
        if (targets == null) {
            throw new ModelException(
                    "LoRA has no default target modules for model_type "
                            + modelType
                            + "; name the linear layers to adapt (--lora-target-modules, e.g."
                            + " q_proj,v_proj)");
        }
        return targets;
    }

    /** Whether {@code config} has {@code module} adapted: PEFT's list rule (equal, or a suffix). */
    static boolean matches(String module, List<String> targets) {
        for (String t : targets) {
            if (module.equals(t) || module.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }
}
