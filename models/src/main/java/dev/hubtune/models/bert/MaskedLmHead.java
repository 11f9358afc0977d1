package dev.hubtune.models.bert;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * BERT's masked-language-model head, as HF's {@code BertForMaskedLM} and Google's {@code
 * cls/predictions}: dense + activation + LayerNorm, then a projection onto the vocabulary that
 * reuses (is tied to) the word-embedding matrix, plus a per-token bias.
 *
 * <p>It runs only on the positions asked for ({@link #positions}), not on every token: the
 * projection onto 30k words is the most expensive matrix multiply of the model, and fill-mask needs
 * it for one token per text.
 */
public final class MaskedLmHead {

    /** {@code [n, 2]} pairs of (row in the batch, token position) to predict. */
    public final Placeholder<TInt32> positions;

    /** Vocabulary logits {@code [n, vocab]} for each requested position. */
    public final Operand<TFloat32> logits;

    /** Softmax of {@link #logits}. */
    public final Operand<TFloat32> probabilities;

    private MaskedLmHead(BertGraph bert) {
        Ops tf = bert.ops();
        BertConfig config = bert.config();
        int h = config.hiddenSize();
        positions =
                tf.withName("mask_positions")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, 2)));
        Operand<TFloat32> selected = tf.gatherNd(bert.sequenceOutput, positions);
        Operand<TFloat32> transformed =
                bert.layerNorm(
                        "cls.predictions.transform.LayerNorm",
                        bert.activation(
                                bert.dense("cls.predictions.transform.dense", selected, h, h)));
        Operand<TFloat32> embeddings =
                bert.param("embeddings.word_embeddings.weight", config.vocabSize(), h);
        logits =
                tf.withName("mlm_logits")
                        .nn
                        .biasAdd(
                                tf.linalg.matMul(transformed, embeddings, MatMul.transposeB(true)),
                                bert.param("cls.predictions.bias", config.vocabSize()));
        probabilities = tf.withName("mlm_probabilities").nn.softmax(logits);
    }

    /** Adds the head (and its parameters {@code cls.predictions.*}) to {@code bert}'s graph. */
    public static MaskedLmHead build(BertGraph bert) {
        return new MaskedLmHead(bert);
    }
}
