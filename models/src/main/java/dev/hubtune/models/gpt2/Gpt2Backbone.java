package dev.hubtune.models.gpt2;

import dev.hubtune.models.family.BackboneInputs;
import dev.hubtune.models.family.ClassifierInput;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.family.KeyValueCache;
import dev.hubtune.models.family.MaskedLmLayout;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.nn.Attention;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Embedding;
import dev.hubtune.models.nn.LayerNorm;
import dev.hubtune.models.nn.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * GPT-2 as TensorFlow ops: token + position embeddings, pre-LN decoder blocks with causal
 * self-attention, a final LayerNorm, and the LM head tied to the token embedding. Parameters carry
 * the names of HF's {@code GPT2Model} ({@code h.0.attn.c_attn.weight}; GPT-2's {@code Conv1D}
 * already stores kernels {@code [in, out]}, so nothing is transposed).
 *
 * <p>Generation graphs take the keys and values of earlier positions and return them extended by
 * the new ones ({@link KeyValueCache}); training and serving graphs have no cache, training graphs
 * add dropout.
 */
final class Gpt2Backbone implements DecoderBackbone {

    private final BuildContext nn;
    private final Ops tf;
    private final Gpt2Config config;
    private final BackboneInputs inputs;
    private final List<Placeholder<TFloat32>> pastKeys = new ArrayList<>();
    private final List<Placeholder<TFloat32>> pastValues = new ArrayList<>();
    private final List<Operand<TFloat32>> presentKeys = new ArrayList<>();
    private final List<Operand<TFloat32>> presentValues = new ArrayList<>();
    private final Operand<TFloat32> sequenceOutput;
    private final Operand<TFloat32> logits;
    private final Operand<TFloat32> lastLogits;

    Gpt2Backbone(BuildContext nn, Gpt2Config config) {
        this.nn = nn;
        this.tf = nn.ops();
        this.config = config;
        boolean cached = nn.keyValueCache();
        int h = config.hiddenSize();
        Placeholder<TInt32> inputIds =
                tf.withName("input_ids")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        inputs = new BackboneInputs(inputIds, null, null);
        Operand<TInt32> shape = tf.shape(inputIds);
        Operand<TInt32> batch = tf.gather(shape, tf.constant(0), tf.constant(0));
        Operand<TInt32> length = tf.gather(shape, tf.constant(1), tf.constant(0));
        Operand<TInt32> past;
        if (cached) {
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
        } else {
            past = tf.constant(0);
        }
        Operand<TInt32> total = tf.math.add(past, length);

        Embedding wte = Embedding.create(nn, "wte.weight", config.vocabSize(), h);
        Operand<TInt32> positions = tf.range(past, total, tf.constant(1));
        Operand<TFloat32> x =
                tf.math.add(
                        wte.lookup(inputIds),
                        Embedding.create(nn, "wpe.weight", config.maxPositions(), h)
                                .lookup(positions));
        x = nn.dropout(x);

        Operand<TFloat32> maskBias = Attention.causalBias(tf, positions, total);
        for (int i = 0; i < config.numLayers(); i++) {
            x = block(i, x, maskBias, batch, length, cached);
        }
        x = norm("ln_f").apply(x);
        sequenceOutput = x;
        // The LM head is the token embedding transposed (tied weights, as in GPT-2).
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, h}));
        logits =
                tf.withName("logits")
                        .reshape(
                                wte.attend(flat),
                                tf.stack(List.of(batch, length, tf.constant(config.vocabSize()))));
        Operand<TFloat32> last = tf.gather(x, tf.math.sub(length, tf.constant(1)), tf.constant(1));
        lastLogits = tf.withName("last_logits").identity(wte.attend(last));
    }

    private Operand<TFloat32> block(
            int i,
            Operand<TFloat32> x,
            Operand<TFloat32> maskBias,
            Operand<TInt32> batch,
            Operand<TInt32> length,
            boolean cached) {
        String p = "h." + i;
        int h = config.hiddenSize();
        int heads = config.numHeads();
        int d = config.headSize();
        // The residual projections start smaller (normal(0, 0.02/√(2·layers))): each layer adds
        // two to the residual stream, whose variance would otherwise grow with depth.
        float residual = 0.02f / (float) Math.sqrt(2.0 * config.numLayers());
        Operand<TFloat32> qkv =
                Linear.create(nn, p + ".attn.c_attn", h, 3 * h).apply(norm(p + ".ln_1").apply(x));
        List<Operand<TFloat32>> parts = new ArrayList<>(tf.split(tf.constant(2), qkv, 3L).output());
        Operand<TFloat32> q = Attention.splitHeads(tf, parts.get(0), batch, length, heads, d);
        Operand<TFloat32> k = Attention.splitHeads(tf, parts.get(1), batch, length, heads, d);
        Operand<TFloat32> v = Attention.splitHeads(tf, parts.get(2), batch, length, heads, d);
        if (cached) {
            k = tf.concat(List.of(pastKeys.get(i), k), tf.constant(2));
            v = tf.concat(List.of(pastValues.get(i), v), tf.constant(2));
            presentKeys.add(tf.withName("present_key_" + i).identity(k));
            presentValues.add(tf.withName("present_value_" + i).identity(v));
        }
        Operand<TFloat32> context =
                Attention.scaledDotProduct(
                        tf, q, k, v, maskBias, nn::dropout, batch, length, heads, heads, d);
        x =
                tf.math.add(
                        x,
                        nn.dropout(
                                Linear.create(nn, p + ".attn.c_proj", h, h, true, residual)
                                        .apply(context)));
        Operand<TFloat32> inner =
                Activation.GELU_TANH.apply(
                        tf,
                        Linear.create(nn, p + ".mlp.c_fc", h, config.innerSize())
                                .apply(norm(p + ".ln_2").apply(x)));
        return tf.math.add(
                x,
                nn.dropout(
                        Linear.create(nn, p + ".mlp.c_proj", config.innerSize(), h, true, residual)
                                .apply(inner)));
    }

    private LayerNorm norm(String module) {
        return LayerNorm.create(nn, module, config.hiddenSize(), config.layerNormEps());
    }

    @Override
    public Gpt2Config config() {
        return config;
    }

    @Override
    public BuildContext context() {
        return nn;
    }

    @Override
    public BackboneInputs inputs() {
        return inputs;
    }

    @Override
    public Operand<TFloat32> sequenceOutput() {
        return sequenceOutput;
    }

    @Override
    public boolean supports(Pooling pooling) {
        return false;
    }

    @Override
    public Operand<TFloat32> pooled(Pooling pooling) {
        throw new IllegalArgumentException("GPT-2 has no " + pooling.configName() + " pooling");
    }

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        throw new IllegalArgumentException("hubtune does not classify sequences with GPT-2");
    }

    @Override
    public ClassifierInput tokenClassifierInput() {
        throw new IllegalArgumentException("hubtune does not classify tokens with GPT-2");
    }

    @Override
    public Optional<MaskedLmLayout> maskedLm() {
        return Optional.empty();
    }

    @Override
    public Operand<TFloat32> logits() {
        return logits;
    }

    @Override
    public Operand<TFloat32> lastLogits() {
        return lastLogits;
    }

    @Override
    public Optional<KeyValueCache> cache() {
        return !nn.keyValueCache()
                ? Optional.empty()
                : Optional.of(
                        new KeyValueCache(
                                pastKeys,
                                pastValues,
                                presentKeys,
                                presentValues,
                                config.numHeads(),
                                config.headSize()));
    }
}
