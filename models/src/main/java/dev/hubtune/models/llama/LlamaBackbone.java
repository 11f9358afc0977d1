package dev.hubtune.models.llama;

import dev.hubtune.models.family.BackboneInputs;
import dev.hubtune.models.family.ClassifierInput;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.family.KeyValueCache;
import dev.hubtune.models.family.MaskedLmLayout;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.Attention;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Embedding;
import dev.hubtune.models.nn.Linear;
import dev.hubtune.models.nn.RmsNorm;
import dev.hubtune.models.nn.Rotary;
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
 * The Llama-architecture decoder as TensorFlow ops, as HF's {@code LlamaForCausalLM} (and {@code
 * Mistral…}, {@code Qwen2…}, {@code Gemma…}) compute it: token embedding (Gemma: times √hidden),
 * pre-norm layers of RMSNorm → grouped-query self-attention with rotary positions → residual →
 * RMSNorm → gated MLP {@code down(act(gate(x)) · up(x))} → residual, a final RMSNorm and the LM
 * head (tied to the embedding, or {@code lm_head}). Parameters carry HF's names ({@code
 * model.layers.0.self_attn.q_proj.weight}, kernels {@code [in, out]}).
 */
final class LlamaBackbone implements DecoderBackbone {

    private final BuildContext nn;
    private final Ops tf;
    private final LlamaConfig config;
    private final BackboneInputs inputs;
    private final List<Placeholder<TFloat32>> pastKeys = new ArrayList<>();
    private final List<Placeholder<TFloat32>> pastValues = new ArrayList<>();
    private final List<Operand<TFloat32>> presentKeys = new ArrayList<>();
    private final List<Operand<TFloat32>> presentValues = new ArrayList<>();
    private final Operand<TFloat32> sequenceOutput;
    private final Operand<TFloat32> logits;
    private final Operand<TFloat32> lastLogits;

    LlamaBackbone(BuildContext nn, LlamaConfig config) {
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
        Operand<TInt32> past = tf.constant(0);
        if (cached) {
            Shape cache = Shape.of(-1, config.numKvHeads(), -1, config.headSize());
            for (int i = 0; i < config.numLayers(); i++) {
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
        Operand<TInt32> positions = tf.range(past, total, tf.constant(1));

        Embedding embed = Embedding.create(nn, "model.embed_tokens.weight", config.vocabSize(), h);
        Operand<TFloat32> x = embed.lookup(inputIds, config.padTokenId());
        if (config.gemma()) {
            // Gemma scales the embedding by √hidden (in the activations' dtype, here float32).
            x = tf.math.mul(x, tf.constant((float) Math.sqrt(h)));
        }
        Operand<TFloat32> maskBias =
                config.slidingWindow() > 0
                        ? Attention.slidingCausalBias(tf, positions, total, config.slidingWindow())
                        : Attention.causalBias(tf, positions, total);
        Rotary rotary = Rotary.of(config.headSize(), config.ropeTheta(), config.ropeScaling());
        Operand<TFloat32>[] cosSin = rotary.cosSin(tf, positions);
        for (int i = 0; i < config.numLayers(); i++) {
            x = layer(i, x, maskBias, rotary, cosSin, batch, length, cached);
        }
        x = norm("model.norm").apply(x);
        sequenceOutput = x;
        Operand<TFloat32> flat = tf.reshape(x, tf.constant(new int[] {-1, h}));
        Operand<TFloat32> last = tf.gather(x, tf.math.sub(length, tf.constant(1)), tf.constant(1));
        Operand<TFloat32> allLogits;
        Operand<TFloat32> lastRow;
        if (config.tieWordEmbeddings()) {
            allLogits = embed.attend(flat);
            lastRow = embed.attend(last);
        } else {
            Linear head = Linear.create(nn, "lm_head", h, config.vocabSize(), false, 0.02f);
            allLogits = head.apply(flat);
            lastRow = head.apply(last);
        }
        logits =
                tf.withName("logits")
                        .reshape(
                                allLogits,
                                tf.stack(List.of(batch, length, tf.constant(config.vocabSize()))));
        lastLogits = tf.withName("last_logits").identity(lastRow);
    }

    private Operand<TFloat32> layer(
            int i,
            Operand<TFloat32> x,
            Operand<TFloat32> maskBias,
            Rotary rotary,
            Operand<TFloat32>[] cosSin,
            Operand<TInt32> batch,
            Operand<TInt32> length,
            boolean cached) {
        String p = "model.layers." + i;
        int h = config.hiddenSize();
        int heads = config.numHeads();
        int kv = config.numKvHeads();
        int d = config.headSize();
        Operand<TFloat32> normed = norm(p + ".input_layernorm").apply(x);
        Operand<TFloat32> q =
                Attention.splitHeads(
                        tf,
                        proj(p + ".self_attn.q_proj", h, heads * d, config.attentionBias())
                                .apply(normed),
                        batch,
                        length,
                        heads,
                        d);
        Operand<TFloat32> k =
                Attention.splitHeads(
                        tf,
                        proj(p + ".self_attn.k_proj", h, kv * d, config.attentionBias())
                                .apply(normed),
                        batch,
                        length,
                        kv,
                        d);
        Operand<TFloat32> v =
                Attention.splitHeads(
                        tf,
                        proj(p + ".self_attn.v_proj", h, kv * d, config.attentionBias())
                                .apply(normed),
                        batch,
                        length,
                        kv,
                        d);
        q = rotary.apply(tf, q, cosSin);
        k = rotary.apply(tf, k, cosSin);
        if (cached) {
            // The cache holds rotated keys, as HF's does: a key's rotation depends only on its own
            // position, so it is computed once.
            k = tf.concat(List.of(pastKeys.get(i), k), tf.constant(2));
            v = tf.concat(List.of(pastValues.get(i), v), tf.constant(2));
            presentKeys.add(tf.withName("present_key_" + i).identity(k));
            presentValues.add(tf.withName("present_value_" + i).identity(v));
        }
        Operand<TFloat32> context =
                Attention.scaledDotProduct(
                        tf, q, k, v, maskBias, nn::dropout, batch, length, heads, kv, d);
        x =
                tf.math.add(
                        x,
                        nn.dropout(
                                proj(p + ".self_attn.o_proj", heads * d, h, config.outputBias())
                                        .apply(context)));
        Operand<TFloat32> m = norm(p + ".post_attention_layernorm").apply(x);
        int f = config.intermediateSize();
        Operand<TFloat32> gated =
                tf.math.mul(
                        config.activation()
                                .apply(
                                        tf,
                                        proj(p + ".mlp.gate_proj", h, f, config.mlpBias())
                                                .apply(m)),
                        proj(p + ".mlp.up_proj", h, f, config.mlpBias()).apply(m));
        return tf.math.add(
                x, nn.dropout(proj(p + ".mlp.down_proj", f, h, config.mlpBias()).apply(gated)));
    }

    private Linear proj(String module, int in, int out, boolean bias) {
        return Linear.create(nn, module, in, out, bias, 0.02f);
    }

    private RmsNorm norm(String module) {
        return config.gemma()
                ? RmsNorm.plusOne(nn, module, config.hiddenSize(), config.rmsNormEps())
                : RmsNorm.create(nn, module, config.hiddenSize(), config.rmsNormEps());
    }

    @Override
    public LlamaConfig config() {
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
        throw new IllegalArgumentException(
                config.modelType() + " has no " + pooling.configName() + " pooling in hubtune");
    }

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        throw new IllegalArgumentException(
                "hubtune does not classify sequences with " + config.modelType());
    }

    @Override
    public ClassifierInput tokenClassifierInput() {
        throw new IllegalArgumentException(
                "hubtune does not classify tokens with " + config.modelType());
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
                                config.numKvHeads(),
                                config.headSize()));
    }
}
