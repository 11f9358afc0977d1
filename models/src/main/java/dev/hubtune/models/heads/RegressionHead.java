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
 * Regression on any backbone, as transformers' {@code *ForSequenceClassification} with {@code
 * num_labels=1} and {@code problem_type="regression"}: the family's pooled features, the same
 * linear projection onto one output ({@code classifier}, so the export loads there unchanged) and
 * the mean squared error (torch's {@code MSELoss} of the squeezed logits).
 */
public final class RegressionHead {

    /** Targets {@code [batch]}. */
    public final Placeholder<TFloat32> targets;

    /** The raw output {@code [batch, 1]} (transformers' logits). */
    public final Operand<TFloat32> logits;

    /** The prediction of each example {@code [batch]}. */
    public final Operand<TFloat32> predictions;

    /** Mean squared error. */
    public final Operand<TFloat32> loss;

    private final String projection;

    private RegressionHead(Backbone backbone, Pooling pooling) {
        Ops tf = backbone.context().ops();
        ClassifierInput input = backbone.sequenceClassifierInput(pooling);
        projection = input.projection();
        targets =
                tf.withName("targets").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
        logits =
                tf.withName("logits")
                        .identity(
                                Linear.create(backbone.context(), projection, input.width(), 1)
                                        .apply(input.features()));
        predictions = tf.withName("predictions").reshape(logits, tf.constant(new int[] {-1}));
        Operand<TFloat32> error = tf.math.sub(predictions, targets);
        loss = tf.withName("loss").math.mean(tf.math.mul(error, error), tf.constant(new int[] {0}));
    }

    /** Adds the head on top of {@code backbone} (its parameters join the backbone's store). */
    public static RegressionHead build(Backbone backbone, Pooling pooling) {
        return new RegressionHead(backbone, pooling);
    }

    /** The module name of the head's final projection, e.g. {@code classifier}. */
    public String projection() {
        return projection;
    }
}
