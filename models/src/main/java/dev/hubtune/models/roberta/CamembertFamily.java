package dev.hubtune.models.roberta;

/**
 * CamemBERT ({@code model_type} {@code camembert}): transformers' {@code CamembertModel} is
 * RoBERTa's network (same names under the {@code roberta.} prefix) with a SentencePiece tokenizer.
 */
public final class CamembertFamily extends RobertaFamily {

    /** For the ServiceLoader. */
    public CamembertFamily() {
        super("CamemBERT", "camembert", "Camembert");
    }
}
