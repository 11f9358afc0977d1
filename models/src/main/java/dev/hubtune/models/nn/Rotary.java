package dev.hubtune.models.nn;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Rotary position embeddings (Su et al. 2021) as HF's Llama-family models apply them: the
 * frequencies {@code 1/θ^(2i/d)} (optionally rescaled as Llama 3 does), angles {@code position ·
 * frequency} repeated over both halves of the head ({@code cat(freqs, freqs)}), and {@code x·cos +
 * rotate_half(x)·sin} with {@code rotate_half([x1, x2]) = [-x2, x1]}. Positions are absolute, so a
 * cached decoding step rotates its one new query and key by the position after the cache.
 */
public final class Rotary {

    /**
     * Llama 3's frequency rescaling ({@code rope_scaling} with {@code rope_type: llama3}).
     *
     * @param factor how much longer the context is than the original
     * @param lowFreqFactor wavelengths above {@code original/lowFreqFactor} are divided by factor
     * @param highFreqFactor wavelengths below {@code original/highFreqFactor} are kept
     * @param originalMaxPositions the context the model was first trained with
     */
    public record Llama3Scaling(
            double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {}

    private final float[] inverseFrequencies;
    private final int headSize;

    private Rotary(float[] inverseFrequencies, int headSize) {
        this.inverseFrequencies = inverseFrequencies;
        this.headSize = headSize;
    }

    /** Rotary embeddings over {@code headSize} dimensions with base {@code theta}. */
    public static Rotary of(int headSize, double theta, Llama3Scaling scaling) {
        if (headSize % 2 != 0) {
            throw new IllegalArgumentException(
                    "rotary embeddings need an even head size, got " + headSize);
        }
        return new Rotary(inverseFrequencies(headSize, theta, scaling), headSize);
    }

    /**
     * {@code 1/θ^(2i/d)}, rescaled by {@code scaling} when given, computed in float32 as HF does
     * ({@code 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))}).
     */
    static float[] inverseFrequencies(int headSize, double theta, Llama3Scaling scaling) {
        float[] inv = new float[headSize / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / headSize;
            inv[i] = (float) (1.0 / Math.pow((float) theta, exponent));
        }
        if (scaling == null) {
            return inv;
        }
        double lowWavelen = scaling.originalMaxPositions() / scaling.lowFreqFactor();
        double highWavelen = scaling.originalMaxPositions() / scaling.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowWavelen) {
                inv[i] = (float) (inv[i] / scaling.factor());
            } else if (wavelen >= highWavelen) {
                double smooth =
                        (scaling.originalMaxPositions() / wavelen - scaling.lowFreqFactor())
                                / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                inv[i] = (float) ((1 - smooth) * inv[i] / scaling.factor() + smooth * inv[i]);
            }
        }
        return inv;
    }

    /**
     * The angles' cosine and sine for {@code positions} {@code [L]}: two {@code [L, headSize]}
     * tensors, built once per graph and shared by every layer.
     */
    public Operand<TFloat32>[] cosSin(Ops tf, Operand<TInt32> positions) {
        Operand<TFloat32> p =
                tf.expandDims(tf.dtypes.cast(positions, TFloat32.class), tf.constant(1));
        Operand<TFloat32> freqs =
                tf.math.mul(p, tf.expandDims(tf.constant(inverseFrequencies), tf.constant(0)));
        Operand<TFloat32> emb = tf.concat(List.of(freqs, freqs), tf.constant(-1));
        @SuppressWarnings("unchecked")
        Operand<TFloat32>[] out = new Operand[] {tf.math.cos(emb), tf.math.sin(emb)};
        return out;
    }

    /** Rotates heads {@code x} {@code [B, H, L, headSize]} by {@code cosSin} of their positions. */
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32>[] cosSin) {
        List<Operand<TFloat32>> halves = List.copyOf(tf.split(tf.constant(-1), x, 2L).output());
        Operand<TFloat32> rotated =
                tf.concat(
                        List.of(tf.math.mul(halves.get(1), tf.constant(-1f)), halves.get(0)),
                        tf.constant(-1));
        return tf.math.add(tf.math.mul(x, cosSin[0]), tf.math.mul(rotated, cosSin[1]));
    }
}
