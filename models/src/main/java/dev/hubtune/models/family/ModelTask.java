package dev.hubtune.models.family;

import java.util.Locale;

/** What a model can be used for; a family declares the tasks its backbone supports. */
public enum ModelTask {
    /** Sentence embeddings (pooled hidden states). */
    EMBEDDING("embed"),
    /** One label per text or text pair. */
    SEQUENCE_CLASSIFICATION("finetune, predict, eval"),
    /** One label per token (NER). */
    TOKEN_CLASSIFICATION("token classification"),
    /** Filling a masked token. */
    MASKED_LM("fill-mask"),
    /** Next-token prediction and generation. */
    CAUSAL_LM("generate, finetune --task causal-lm");

    private final String commands;

    ModelTask(String commands) {
        this.commands = commands;
    }

    /** The hubtune commands that perform this task. */
    public String commands() {
        return commands;
    }

    /** A readable name, e.g. {@code sequence classification}. */
    public String displayName() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
