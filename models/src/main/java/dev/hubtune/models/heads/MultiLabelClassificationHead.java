package dev.hubtune.models.heads;

import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.ClassifierInput;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.Linear;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Multi-label classification on any backbone, as transformers' {@code *ForSequenceClassification}
 * with {@code problem_type="multi_label_classification"}: the family's pooled features and the same
 * linear projection ({@code classifier}, so the export loads there unchanged), one independent
 * sigmoid per label, and the mean binary cross-entropy over every example and label (torch's {@code
 * BCEWithLogitsLoss}).
 */
public final class MultiLabelClassificationHead {

    /** Targets {@code [batch, labels]}: 1 where the label applies, else 0. */
    public final Placeholder<TFloat32> labels;

    /** Unnormalised scores {@code [batch, labels]}. */
    public final Operand<TFloat32> logits;

    /** Per-label probabilities, the sigmoid of the logits. */
    public final Operand<TFloat32> probabilities;

    /** Mean binary cross-entropy. */
    public final Operand<TFloat32> loss;

    private final String projection;

    private MultiLabelClassificationHead(Backbone backbone, int numLabels, Pooling pooling) {
        Ops tf = backbone.context().ops();
        ClassifierInput input = backbone.sequenceClassifierInput(pooling);
        projection = input.projection();
        labels =
                tf.withName("multi_labels")
                        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, numLabels)));
        logits =
                tf.withName("logits")
                        .identity(
                                Linear.create(
                                                backbone.context(),
                                                projection,
                                                input.width(),
                                                numLabels)
                                        .apply(input.features()));
        probabilities = tf.withName("probabilities").math.sigmoid(logits);
        // The numerically stable form of -z·log σ(x) - (1-z)·log(1-σ(x)):
        // max(x, 0) - x·z + log(1 + exp(-|x|)), from ops that all have C++ gradients.
        Operand<TFloat32> perLabel =
                tf.math.add(
                        tf.math.sub(tf.nn.relu(logits), tf.math.mul(logits, labels)),
                        tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(logits)))));
        loss = tf.withName("loss").math.mean(perLabel, tf.constant(new int[] {0, 1}));
    }

    /** Adds the head on top of {@code backbone} (its parameters join the backbone's store). */
    public static MultiLabelClassificationHead build(
            Backbone backbone, int numLabels, Pooling pooling) {
        if (numLabels < 1) {
            throw new IllegalArgumentException(
                    "multi-label classification needs at least 1 label, got " + numLabels);
        }
        return new MultiLabelClassificationHead(backbone, numLabels, pooling);
    }

    /** The module name of the head's final projection, e.g. {@code classifier}. */
    public String projection() {
        return projection;
    }
}
