package dev.hubtune.models.gpt2;

import dev.hubtune.models.layers.TokenLoss;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TInt32;

/**
 * The causal language-model objective on a GPT-2 training graph: at every position the model's
 * next-token logits are scored against {@link #labels}, the token that follows. Labels are given
 * already shifted (position t holds token t+1), so blocks cut from a packed stream keep the target
 * that crosses into the next block; negative labels (padding, the end of the corpus) do not count.
 */
public final class CausalLmHead {

    /** Next-token ids {@code [batch, length]}; negative ids are ignored. */
    public final Placeholder<TInt32> labels;

    /** Loss sums, counts and the mean loss. */
    public final TokenLoss loss;

    private CausalLmHead(Gpt2Graph gpt) {
        Ops tf = gpt.ops();
        labels =
                tf.withName("lm_labels")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        loss = TokenLoss.of(tf, gpt.logits, labels, gpt.config().vocabSize(), "lm_loss");
    }

    /** Adds the objective to {@code gpt}'s graph. */
    public static CausalLmHead build(Gpt2Graph gpt) {
        return new CausalLmHead(gpt);
    }
}
