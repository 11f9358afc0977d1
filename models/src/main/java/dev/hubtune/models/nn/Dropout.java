package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Inverted dropout with stateless random masks, for training graphs. The rate and a seed pair are
 * fed per step (rate 0, the default, turns it off); each call site draws its own stream ({@code
 * [seed0, seed1 + site·2^20]}), so a run resumed at step N draws exactly the masks the
 * uninterrupted run drew, which is what makes resume bitwise exact.
 */
public final class Dropout {

    /** Dropout probability, fed during training steps; 0 when not fed. */
    public final PlaceholderWithDefault<TFloat32> rate;

    /** Seed pair of the masks, fed per step (e.g. [seed, step]). */
    public final PlaceholderWithDefault<TInt64> seed;

    private final Ops tf;
    private int sites;

    private Dropout(Ops tf) {
        this.tf = tf;
        rate = tf.withName("dropout_rate").placeholderWithDefault(tf.constant(0f), Shape.scalar());
        seed =
                tf.withName("dropout_seed")
                        .placeholderWithDefault(tf.constant(new long[] {0, 0}), Shape.of(2));
    }

    /** Adds the rate and seed placeholders to the graph of {@code tf}. */
    public static Dropout create(Ops tf) {
        return new Dropout(tf);
    }

    /** {@code x} with elements zeroed at the fed rate and the rest scaled by 1/(1-rate). */
    public Operand<TFloat32> apply(Operand<TFloat32> x) {
        return apply(x, rate);
    }

    /**
     * {@code x} with elements zeroed at {@code rate} (e.g. LoRA's own adapter dropout, fed beside
     * the model's) and the rest scaled by 1/(1-rate); masks drawn from this graph's seed.
     */
    public Operand<TFloat32> apply(Operand<TFloat32> x, Operand<TFloat32> rate) {
        long site = ++sites;
        Operand<TInt64> siteSeed = tf.math.add(seed, tf.constant(new long[] {0, site << 20}));
        Operand<TFloat32> uniform =
                tf.random.statelessRandomUniform(tf.shape(x), siteSeed, TFloat32.class);
        // The mask (0 or 1/(1-rate)) is built off the gradient path, so the backward pass costs
        // one multiply per site instead of a multiply and a divide.
        Operand<TFloat32> scale = tf.math.div(tf.constant(1f), tf.math.sub(tf.constant(1f), rate));
        Operand<TFloat32> mask =
                tf.select(tf.math.greaterEqual(uniform, rate), scale, tf.constant(0f));
        return tf.math.mul(x, mask);
    }
}
