package dev.hubtune.models.roberta;

/**
 * XLM-RoBERTa ({@code model_type} {@code xlm-roberta}): transformers' {@code XLMRobertaModel} is
 * RoBERTa's network (same names under the {@code roberta.} prefix) with a SentencePiece Unigram
 * tokenizer.
 */
public final class XlmRobertaFamily extends RobertaFamily {

    /** For the ServiceLoader. */
    public XlmRobertaFamily() {
        super("XLM-RoBERTa", "xlm-roberta", "XLMRoberta");
    }
}
