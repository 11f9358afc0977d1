package dev.hubtune.models.gpt2;

import dev.hubtune.models.layers.Dropout;
import dev.hubtune.models.layers.Layers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * GPT-2 as TensorFlow ops: token + position embeddings, pre-LN decoder blocks with causal
 * self-attention, a final LayerNorm, and the LM head tied to the token embedding. Parameters are
 * VariableV2 variables named as HF's {@code GPT2Model} parameters ({@code h.0.attn.c_attn.weight};
 * GPT-2's {@code Conv1D} already stores kernels {@code [in, out]}, so nothing is transposed).
 *
 * <p>Generation graphs take the keys and values of earlier positions ({@link #pastKeys}, {@link
 * #pastValues}, {@code [batch, heads, past, headSize]}, possibly with past = 0) and return them
 * extended by the new positions ({@link #presentKeys}, {@link #presentValues}): with this cache
 * each new token costs one position's work instead of a pass over the whole prefix. Training graphs
 * have no cache and add dropout.
 */
public final class Gpt2Graph {

    /** Token ids {@code [batch, length]}. */
    public final Placeholder<TInt32> inputIds;

    /** Cached keys of earlier positions, one per layer (generation graphs only). */
    public final List<Placeholder<TFloat32>> pastKeys = new ArrayList<>();

    /** Cached values of earlier positions, one per layer (generation graphs only). */
    public final List<Placeholder<TFloat32>> pastValues = new ArrayList<>();

    /** Keys of all positions so far, one per layer (generation graphs only). */
    public final List<Operand<TFloat32>> presentKeys = new ArrayList<>();

    /** Values of all positions so far, one per layer (generation graphs only). */
    public final List<Operand<TFloat32>> presentValues = new ArrayList<>();

    /** Next-token logits at every input position {@code [batch, length, vocab]}. */
    public final Operand<TFloat32> logits;

    /** Next-token logits at the last input position {@code [batch, vocab]}. */
    public final Operand<TFloat32> lastLogits;

    /** Dropout of training graphs (embeddings, attention, residuals); null in generation graphs. */
    public final Dropout dropout;

    private final Ops tf;
    private final Gpt2Config config;
    private final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();

    private Gpt2Graph(Ops tf, Gpt2Config config, boolean training) {
        this.tf = tf;
        this.config = config;
        this.dropout = training ? Dropout.create(tf) : null;
        int h = config.hiddenSize();
        inputIds =
                tf.withName("input_ids")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        Operand<TInt32> shape = tf.shape(inputIds);
        Operand<TInt32> batch = tf.gather(shape, tf.constant(0), tf.constant(0));
        Operand<TInt32> length = tf.gather(shape, tf.constant(1), tf.constant(0));
        Operand<TInt32> past;
        if (training) {
            past = tf.constant(0);
        } else {
            for (int i = 0; i < config.numLayers(); i++) {
                Shape cache = Shape.of(-1, config.numHeads(), -1, config.headSize());
                pastKeys.add(
                        tf.withName("past_key_" + i)
                                .placeholder(TFloat32.class, Placeholder.shape(cache)));
                pastValues.add(
                        tf.withName("past_value_" + i)
                                .placeholder(TFloat32.class, Placeholder.shape(cache)));
            }
            past = tf.gather(tf.shape(pastKeys.get(0)), tf.constant(2), tf.constant(0));
        }
        Operand<TInt32> total = tf.math.add(past, length);

        Operand<TFloat32> wte = param("wte.weight", config.vocabSize(), h);
        Operand<TInt32> positions = tf.range(past, total, tf.constant(1));
        Operand<TFloat32> x =
                tf.math.add(
                        tf.gather(wte, inputIds, tf.constant(0)),
                        tf.gather(
                                param("wpe.weight", config.maxPositions(), h),
                                positions,
                                tf.constant(0)));
        x = dropout(x);

        // Causal mask [length, past + length]: query i (absolute position past + i) sees keys at
        // absolute positions <= past + i; the others get a large negative score, so softmax gives
        // them exactly zero weight.
        Operand<TInt32> keyPositions = tf.range(tf.constant(0), total, tf.constant(1));
        Operand<TFloat32> maskBias =
                tf.math.mul(
                        tf.dtypes.cast(
                                tf.math.greater(
                                        tf.expandDims(keyPositions, tf.constant(0)),
                                        tf.expandDims(positions, tf.constant(1))),
                                TFloat32.class),
                        tf.constant(-1e9f));

        for (int i = 0; i < config.numLayers(); i++) {
            x = block(i, x, maskBias, batch, length, training);
        }
        x = layerNorm("ln_f", x);
        // The LM head is the token embedding transposed (tied weights, as in GPT-2).
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, h}));
        logits =
                tf.withName("logits")
                        .reshape(
                                tf.linalg.matMul(flat, wte, MatMul.transposeB(true)),
                                tf.stack(List.of(batch, length, tf.constant(config.vocabSize()))));
        Operand<TFloat32> last = tf.gather(x, tf.math.sub(length, tf.constant(1)), tf.constant(1));
        lastLogits = tf.withName("last_logits").linalg.matMul(last, wte, MatMul.transposeB(true));
    }

    /** The generation graph (with the key/value cache, no dropout) in the graph of {@code tf}. */
    public static Gpt2Graph buildForGeneration(Ops tf, Gpt2Config config) {
        return new Gpt2Graph(tf, config, false);
    }

    /** The training graph (dropout fed per step, no cache) in the graph of {@code tf}. */
    public static Gpt2Graph buildForTraining(Ops tf, Gpt2Config config) {
        return new Gpt2Graph(tf, config, true);
    }

    /** The ops of this graph. */
    public Ops ops() {
        return tf;
    }

    /** The configuration. */
    public Gpt2Config config() {
        return config;
    }

    /** The parameters by HF name, in creation order. */
    public Map<String, Variable<TFloat32>> variables() {
        return Collections.unmodifiableMap(variables);
    }

    private Operand<TFloat32> block(
            int i,
            Operand<TFloat32> x,
            Operand<TFloat32> maskBias,
            Operand<TInt32> batch,
            Operand<TInt32> length,
            boolean training) {
        String p = "h." + i;
        int h = config.hiddenSize();
        Operand<TFloat32> qkv = dense(p + ".attn.c_attn", layerNorm(p + ".ln_1", x), h, 3 * h);
        List<Operand<TFloat32>> parts = new ArrayList<>(tf.split(tf.constant(2), qkv, 3L).output());
        Operand<TFloat32> q = heads(parts.get(0), batch, length);
        Operand<TFloat32> k = heads(parts.get(1), batch, length);
        Operand<TFloat32> v = heads(parts.get(2), batch, length);
        if (!training) {
            k = tf.concat(List.of(pastKeys.get(i), k), tf.constant(2));
            v = tf.concat(List.of(pastValues.get(i), v), tf.constant(2));
            presentKeys.add(tf.withName("present_key_" + i).identity(k));
            presentValues.add(tf.withName("present_value_" + i).identity(v));
        }
        Operand<TFloat32> context =
                Layers.attention(
                        tf, q, k, v, maskBias, this::dropout, batch, length, h, config.headSize());
        x = tf.math.add(x, dropout(dense(p + ".attn.c_proj", context, h, h)));
        Operand<TFloat32> inner =
                Layers.geluTanh(
                        tf,
                        dense(p + ".mlp.c_fc", layerNorm(p + ".ln_2", x), h, config.innerSize()));
        return tf.math.add(x, dropout(dense(p + ".mlp.c_proj", inner, config.innerSize(), h)));
    }

    /** [B, L, H] -> [B, heads, L, headSize]. */
    private Operand<TFloat32> heads(
            Operand<TFloat32> t, Operand<TInt32> batch, Operand<TInt32> length) {
        return Layers.splitHeads(tf, t, batch, length, config.numHeads(), config.headSize());
    }

    private Operand<TFloat32> dense(String name, Operand<TFloat32> x, int in, int out) {
        return Layers.dense(
                tf, x, param(name + ".weight", in, out), param(name + ".bias", out), in, out);
    }

    private Operand<TFloat32> layerNorm(String name, Operand<TFloat32> x) {
        return Layers.layerNorm(
                tf,
                x,
                param(name + ".weight", config.hiddenSize()),
                param(name + ".bias", config.hiddenSize()),
                config.layerNormEps());
    }

    private Operand<TFloat32> dropout(Operand<TFloat32> x) {
        return dropout == null ? x : dropout.apply(x);
    }

    private Variable<TFloat32> param(String name, long... shape) {
        return variables.computeIfAbsent(
                name, n -> tf.withName(n).variable(Shape.of(shape), TFloat32.class));
    }
}
