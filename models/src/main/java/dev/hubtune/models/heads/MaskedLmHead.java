package dev.hubtune.models.heads;

import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.MaskedLmLayout;
import dev.hubtune.models.nn.Initializer;
import dev.hubtune.models.nn.LayerNorm;
import dev.hubtune.models.nn.Linear;
import dev.hubtune.models.nn.ParameterKind;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The masked-language-model head, as HF's {@code *ForMaskedLM} and Google's {@code
 * cls/predictions}: dense + activation + LayerNorm, then a projection onto the vocabulary tied to
 * the token embedding, plus a per-token bias; the family says where the parameters live.
 *
 * <p>It runs only on the positions asked for ({@link #positions}), not on every token: the
 * projection onto the vocabulary is the most expensive matrix multiply of the model, and fill-mask
 * needs it for one token per text.
 */
public final class MaskedLmHead {

    /** {@code [n, 2]} pairs of (row in the batch, token position) to predict. */
    public final Placeholder<TInt32> positions;

    /** Vocabulary logits {@code [n, vocab]} for each requested position. */
    public final Operand<TFloat32> logits;

    /** Softmax of {@link #logits}. */
    public final Operand<TFloat32> probabilities;

    private MaskedLmHead(Backbone backbone, MaskedLmLayout layout) {
        Ops tf = backbone.context().ops();
        int h = backbone.config().hiddenSize();
        positions =
                tf.withName("mask_positions")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, 2)));
        Operand<TFloat32> selected = tf.gatherNd(backbone.sequenceOutput(), positions);
        Operand<TFloat32> transformed =
                LayerNorm.create(backbone.context(), layout.norm(), h, layout.eps())
                        .apply(
                                layout.activation()
                                        .apply(
                                                tf,
                                                Linear.create(
                                                                backbone.context(),
                                                                layout.transform(),
                                                                h,
                                                                h)
                                                        .apply(selected)));
        int vocab = layout.embedding().rows();
        logits =
                tf.withName("mlm_logits")
                        .nn
                        .biasAdd(
                                layout.embedding().attend(transformed),
                                backbone.context()
                                        .parameters()
                                        .get(
                                                layout.bias(),
                                                ParameterKind.BIAS,
                                                Initializer.zeros(),
                                                vocab));
        probabilities = tf.withName("mlm_probabilities").nn.softmax(logits);
    }

    /**
     * Adds the head to {@code backbone}'s graph.
     *
     * @throws IllegalArgumentException when the family has no masked-LM head
     */
    public static MaskedLmHead build(Backbone backbone) {
        return new MaskedLmHead(
                backbone,
                backbone.maskedLm()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                backbone.config().modelType()
                                                        + " has no masked-LM head")));
    }
}
