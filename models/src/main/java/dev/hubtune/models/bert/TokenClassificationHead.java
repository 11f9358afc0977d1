package dev.hubtune.models.bert;

import dev.hubtune.models.layers.TokenLoss;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Token classification on BERT (named entities, part-of-speech), as HF's {@code
 * BertForTokenClassification}: dropout and a linear layer {@code classifier.weight [hidden,
 * labels]} + {@code classifier.bias} on every token's last hidden state. The loss is the mean
 * cross-entropy over tokens whose label is not negative: like HF's -100, a negative label marks
 * special tokens, padding and word-piece continuations that must not count.
 */
public final class TokenClassificationHead {

    /** Label ids {@code [batch, length]}; negative ids are ignored by the loss. */
    public final Placeholder<TInt32> labels;

    /** Unnormalised scores {@code [batch, length, labels]}. */
    public final Operand<TFloat32> logits;

    /** Softmax of the logits over labels. */
    public final Operand<TFloat32> probabilities;

    /** Mean cross-entropy over the labelled tokens. */
    public final Operand<TFloat32> loss;

    private TokenClassificationHead(BertGraph bert, int numLabels) {
        Ops tf = bert.ops();
        int h = bert.config().hiddenSize();
        labels =
                tf.withName("token_labels")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        Operand<TFloat32> hidden = bert.dropout(bert.sequenceOutput);
        logits =
                tf.withName("token_logits")
                        .identity(bert.dense("classifier", hidden, h, numLabels));
        probabilities = tf.withName("token_probabilities").nn.softmax(logits);
        loss = TokenLoss.of(tf, logits, labels, numLabels, "token_loss").mean();
    }

    /** Adds the head on top of {@code bert} (its parameters join {@code bert.variables()}). */
    public static TokenClassificationHead build(BertGraph bert, int numLabels) {
        if (numLabels < 2) {
            throw new IllegalArgumentException(
                    "token classification needs at least 2 labels, got " + numLabels);
        }
        return new TokenClassificationHead(bert, numLabels);
    }
}
