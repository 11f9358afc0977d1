package dev.hubtune.models.heads;

import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.ClassifierInput;
import dev.hubtune.models.nn.Linear;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Token classification (named entities, part-of-speech) on any encoder, as transformers' {@code
 * *ForTokenClassification}: dropout and a linear layer ({@code classifier.weight [hidden, labels]})
 * on every token's last hidden state. The loss is the mean cross-entropy over tokens whose label is
 * not negative: like HF's -100, a negative label marks special tokens, padding and word-piece
 * continuations that must not count.
 */
public final class TokenClassificationHead {

    /** Label ids {@code [batch, length]}; negative ids are ignored by the loss. */
    public final Placeholder<TInt32> labels;

    /** Unnormalised scores {@code [batch, length, labels]}. */
    public final Operand<TFloat32> logits;

    /** Softmax of the logits over labels. */
    public final Operand<TFloat32> probabilities;

    /** Summed, counted and mean cross-entropy over the labelled tokens. */
    public final TokenLoss loss;

    private final String projection;

    private TokenClassificationHead(Backbone backbone, int numLabels) {
        Ops tf = backbone.context().ops();
        ClassifierInput input = backbone.tokenClassifierInput();
        projection = input.projection();
        labels =
                tf.withName("token_labels")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        logits =
                tf.withName("token_logits")
                        .identity(
                                Linear.create(
                                                backbone.context(),
                                                projection,
                                                input.width(),
                                                numLabels)
                                        .apply(input.features()));
        probabilities = tf.withName("token_probabilities").nn.softmax(logits);
        loss = TokenLoss.of(tf, logits, labels, numLabels, "token_loss");
    }

    /** Adds the head on top of {@code backbone} (its parameters join the backbone's store). */
    public static TokenClassificationHead build(Backbone backbone, int numLabels) {
        if (numLabels < 2) {
            throw new IllegalArgumentException(
                    "token classification needs at least 2 labels, got " + numLabels);
        }
        return new TokenClassificationHead(backbone, numLabels);
    }

    /** Whether parameter {@code name} belongs to this head. */
    public boolean owns(String name) {
        return name.startsWith(projection + ".");
    }
}
