package dev.hubtune.models.family;

import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A decoder-only backbone with its language-model head: next-token logits, and in generation graphs
 * a key/value cache.
 */
public interface DecoderBackbone extends Backbone {

    @Override
    DecoderConfig config();

    /** Next-token logits at every input position {@code [batch, length, vocab]}. */
    Operand<TFloat32> logits();

    /** Next-token logits at the last input position {@code [batch, vocab]}. */
    Operand<TFloat32> lastLogits();

    /** The key/value cache; present in generation graphs, absent in training graphs. */
    Optional<KeyValueCache> cache();
}
