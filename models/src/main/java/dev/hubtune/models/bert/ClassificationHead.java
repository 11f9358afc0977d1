package dev.hubtune.models.bert;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Sequence classification on BERT: a pooled vector of the sequence, dropout, and a linear layer
 * {@code classifier.weight [hidden, classes]} + {@code classifier.bias}. {@link Pooling#POOLER} is
 * HF's {@code BertForSequenceClassification} exactly (BERT's pooler on the first token), so an
 * export loads in transformers with the same predictions; {@link Pooling#MEAN} (the masked mean of
 * the last hidden states, the sentence embedding) suits sentence-transformers encoders, whose
 * pooler was never trained. The loss is softmax cross-entropy against one-hot labels (the sparse op
 * has no gradient in TF 2.10), weighted per class for imbalanced data.
 */
public final class ClassificationHead {

    /** How the sequence becomes one vector; recorded as {@code hubtune_pooling} in exports. */
    public enum Pooling {
        /** BERT's pooler, {@code tanh(dense(first token))}: HF's BertForSequenceClassification. */
        POOLER,
        /** Masked mean of the last hidden states: sentence-transformers' sentence embedding. */
        MEAN;

        /** The name written to config.json. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The pooling named in a config ({@code mean}/{@code pooler}); HF's pooler if absent. */
        public static Pooling fromConfig(String name) {
            return name == null ? POOLER : valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** Parameter names of the head (newly initialised when fine-tuning starts from an encoder). */
    public static final String WEIGHT = "classifier.weight";

    /** See {@link #WEIGHT}. */
    public static final String BIAS = "classifier.bias";

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

    private final int numClasses;

    private ClassificationHead(BertGraph bert, int numClasses, Pooling pooling) {
        this.numClasses = numClasses;
        Ops tf = bert.ops();
        int h = bert.config().hiddenSize();
        labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
        float[] ones = new float[numClasses];
        java.util.Arrays.fill(ones, 1f);
        classWeights =
                tf.withName("class_weights")
                        .placeholderWithDefault(tf.constant(ones), Shape.of(numClasses));
        Operand<TFloat32> pooled =
                bert.dropout(pooling == Pooling.POOLER ? bert.pooled() : bert.meanPooled);
        logits =
                tf.withName("logits")
                        .nn
                        .biasAdd(
                                tf.linalg.matMul(pooled, bert.param(WEIGHT, h, numClasses)),
                                bert.param(BIAS, numClasses));
        probabilities = tf.withName("probabilities").nn.softmax(logits);
        Operand<TFloat32> oneHot =
                tf.oneHot(labels, tf.constant(numClasses), tf.constant(1f), tf.constant(0f));
        Operand<TFloat32> perExample = tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss();
        Operand<TFloat32> weights = tf.gather(classWeights, labels, tf.constant(0));
        loss =
                tf.withName("loss")
                        .math
                        .div(
                                tf.reduceSum(tf.math.mul(perExample, weights), tf.constant(0)),
                                tf.reduceSum(weights, tf.constant(0)));
    }

    /** Adds the head on top of {@code bert} (its parameters join {@code bert.variables()}). */
    public static ClassificationHead build(BertGraph bert, int numClasses, Pooling pooling) {
        if (numClasses < 2) {
            throw new IllegalArgumentException(
                    "classification needs at least 2 classes, got " + numClasses);
        }
        return new ClassificationHead(bert, numClasses, pooling);
    }

    /** Number of classes. */
    public int numClasses() {
        return numClasses;
    }
}
