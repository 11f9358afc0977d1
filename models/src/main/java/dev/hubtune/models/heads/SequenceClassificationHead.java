package dev.hubtune.models.heads;

import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.ClassifierInput;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.Linear;
import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Sequence classification on any backbone: the family's pooled features (with {@link
 * Pooling#POOLER}, exactly what transformers' {@code *ForSequenceClassification} of the family
 * computes, so exports load there with the same predictions) and a linear projection onto the
 * classes ({@code classifier.weight [width, classes]}, fresh: normal(0, 0.02), bias zeros). The
 * loss is softmax cross-entropy against one-hot labels (the sparse op has no gradient in TensorFlow
 * 2.10 or 2.18), weighted per class for imbalanced data.
 */
public final class SequenceClassificationHead {

    /** Class ids {@code [batch]} (training and evaluation). */
    public final Placeholder<TInt32> labels;

    /** Weight of each class in the loss {@code [classes]}; ones by default. */
    public final PlaceholderWithDefault<TFloat32> classWeights;

    /** Unnormalised scores {@code [batch, classes]}. */
    public final Operand<TFloat32> logits;

    /** Softmax of the logits. */
    public final Operand<TFloat32> probabilities;

    /** Mean (class-weighted) cross-entropy. */
    public final Operand<TFloat32> loss;

    /**
     * The loss's denominator: the summed class weights of the batch's labels (the batch size
     * without class weights).
     */
    public final Operand<TFloat32> lossWeight;

    private final int numClasses;
    private final String projection;
    private final Pooling pooling;

    private SequenceClassificationHead(Backbone backbone, int numClasses, Pooling pooling) {
        this.numClasses = numClasses;
        this.pooling = pooling;
        Ops tf = backbone.context().ops();
        ClassifierInput input = backbone.sequenceClassifierInput(pooling);
        this.projection = input.projection();
        labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
        float[] ones = new float[numClasses];
        Arrays.fill(ones, 1f);
        classWeights =
                tf.withName("class_weights")
                        .placeholderWithDefault(tf.constant(ones), Shape.of(numClasses));
        logits =
                tf.withName("logits")
                        .identity(
                                Linear.create(
                                                backbone.context(),
                                                projection,
                                                input.width(),
                                                numClasses)
                                        .apply(input.features()));
        probabilities = tf.withName("probabilities").nn.softmax(logits);
        Operand<TFloat32> oneHot =
                tf.oneHot(labels, tf.constant(numClasses), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> perExample = tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss();
        Operand<TFloat32> weights = tf.gather(classWeights, labels, tf.constant(0));
        lossWeight = tf.withName("loss_weight").reduceSum(weights, tf.constant(0));
        loss =
                tf.withName("loss")
                        .math
                        .div(
                                tf.reduceSum(tf.math.mul(perExample, weights), tf.constant(0)),
                                lossWeight);
    }

    /** Adds the head on top of {@code backbone} (its parameters join the backbone's store). */
    public static SequenceClassificationHead build(
            Backbone backbone, int numClasses, Pooling pooling) {
        if (numClasses < 2) {
            throw new IllegalArgumentException(
                    "classification needs at least 2 classes, got " + numClasses);
        }
        return new SequenceClassificationHead(backbone, numClasses, pooling);
    }

    /** Number of classes. */
    public int numClasses() {
        return numClasses;
    }

    /** The module name of the head's final projection, e.g. {@code classifier}. */
    public String projection() {
        return projection;
    }

    /** The pooling the head classifies. */
    public Pooling pooling() {
        return pooling;
    }

    /**
     * Whether parameter {@code name} is this head's own final projection (a fresh head is
     * initialised there; a frozen encoder still trains it).
     */
    public boolean owns(String name) {
        return name.startsWith(projection + ".");
    }
}
