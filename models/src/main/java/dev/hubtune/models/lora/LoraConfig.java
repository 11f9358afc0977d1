package dev.hubtune.models.lora;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a model is adapted with LoRA (Hu et al. 2021) as PEFT's {@code LoraConfig} defines it: every
 * targeted linear layer {@code y = x·W + b} becomes {@code y + scale·(dropout(x)·A)·B} with {@code
 * A [in, r]}, {@code B [r, out]} and {@code scale = alpha / r} ({@code alpha / √r} with rsLoRA);
 * only A, B and the modules to save are trained.
 *
 * @param rank r, the adapters' inner dimension (≥ 1)
 * @param alpha the scaling numerator ({@code lora_alpha})
 * @param rsLora rank-stabilised scaling {@code alpha / √r} instead of {@code alpha / r}
 * @param dropout dropout on the adapters' input during training ({@code lora_dropout})
 * @param targetModules the linear layers adapted, by HF module name: a layer is adapted when its
 *     name equals an entry or ends with {@code "." + entry}, as PEFT matches a list; empty means
 *     PEFT's default for the model type ({@link LoraTargets})
 * @param modulesToSave modules trained in full and saved beside the adapters ({@code
 *     modules_to_save}); empty means the task's own head (a classifier's head, nothing for a
 *     language model)
 */
public record LoraConfig(
        int rank,
        double alpha,
        boolean rsLora,
        double dropout,
        List<String> targetModules,
        Optional<List<String>> modulesToSave) {

    /** PEFT's default rank. */
    public static final int DEFAULT_RANK = 8;

    /** PEFT's default {@code lora_alpha}. */
    public static final double DEFAULT_ALPHA = 8;

    /** PEFT's default {@code lora_dropout}. */
    public static final double DEFAULT_DROPOUT = 0.0;

    /** Checks the values. */
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException(
                    "LoRA rank must be a positive integer (e.g. 8), got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(
                    "LoRA alpha must be positive (e.g. "
                            + rank
                            + " or "
                            + 2 * rank
                            + "), got "
                            + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        targetModules = List.copyOf(targetModules);
        for (String t : targetModules) {
            if (t.isBlank() || t.startsWith(".") || t.endsWith(".")) {
                throw new IllegalArgumentException(
                        "LoRA target module names must be module names such as query or q_proj, got '"
                                + t
                                + "'");
            }
        }
        modulesToSave = modulesToSave.map(List::copyOf);
        Objects.requireNonNull(modulesToSave);
    }

    /** PEFT's defaults: r 8, alpha 8, no dropout, the model type's targets, the task's head. */
    public static LoraConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The factor on {@code (x·A)·B}: {@code alpha / r}, or {@code alpha / √r} with rsLoRA. */
    public double scale() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /** The same settings with these target modules. */
    public LoraConfig withTargetModules(List<String> modules) {
        return new LoraConfig(rank, alpha, rsLora, dropout, modules, modulesToSave);
    }

    /** Builder of a {@link LoraConfig}; unset values are PEFT's defaults. */
    public static final class Builder {
        private int rank = DEFAULT_RANK;
        private double alpha = DEFAULT_ALPHA;
        private boolean rsLora;
        private double dropout = DEFAULT_DROPOUT;
        private List<String> targetModules = List.of();
        private List<String> modulesToSave;

        private Builder() {}

        /** The rank r (default 8). */
        public Builder optRank(int rank) {
            this.rank = rank;
            return this;
        }

        /** {@code lora_alpha} (default 8). */
        public Builder optAlpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Rank-stabilised scaling {@code alpha / √r} (default off). */
        public Builder optRsLora(boolean on) {
            this.rsLora = on;
            return this;
        }

        /** Dropout on the adapters' input (default 0). */
        public Builder optDropout(double p) {
            this.dropout = p;
            return this;
        }

        /** The adapted layers by HF module name (default: PEFT's for the model type). */
        public Builder optTargetModules(List<String> modules) {
            this.targetModules = List.copyOf(modules);
            return this;
        }

        /** Modules trained in full and saved (default: the task's head). */
        public Builder optModulesToSave(List<String> modules) {
            this.modulesToSave = List.copyOf(modules);
            return this;
        }

        /** The config, checked. */
        public LoraConfig build() {
            return new LoraConfig(
                    rank,
                    alpha,
                    rsLora,
                    dropout,
                    targetModules,
                    Optional.ofNullable(modulesToSave));
        }
    }
}
