package dev.hubtune.models.heads;

import dev.hubtune.models.family.DecoderBackbone;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TInt32;

/**
 * The causal language-model objective on a decoder's training graph: at every position the model's
 * next-token logits are scored against {@link #labels}, the token that follows. Labels are given
 * already shifted (position t holds token t+1), so blocks cut from a packed stream keep the target
 * that crosses into the next block; negative labels (padding, the end of the corpus) do not count.
 */
public final class CausalLmHead {

    /** Next-token ids {@code [batch, length]}; negative ids are ignored. */
    public final Placeholder<TInt32> labels;

    /** Loss sums, counts and the mean loss. */
    public final TokenLoss loss;

    private CausalLmHead(DecoderBackbone decoder) {
        Ops tf = decoder.context().ops();
        labels =
                tf.withName("lm_labels")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        loss = TokenLoss.of(tf, decoder.logits(), labels, decoder.config().vocabSize(), "lm_loss");
    }

    /** Adds the objective to {@code decoder}'s graph. */
    public static CausalLmHead build(DecoderBackbone decoder) {
        return new CausalLmHead(decoder);
    }
}
