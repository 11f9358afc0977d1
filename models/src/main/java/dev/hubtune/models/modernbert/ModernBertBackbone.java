package dev.hubtune.models.modernbert;

import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.BackboneInputs;
import dev.hubtune.models.family.ClassifierInput;
import dev.hubtune.models.family.MaskedLmLayout;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.Attention;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Embedding;
import dev.hubtune.models.nn.LayerNorm;
import dev.hubtune.models.nn.Linear;
import dev.hubtune.models.nn.Rotary;
import dev.hubtune.models.nn.SequencePooling;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * ModernBERT's encoder as transformers' {@code ModernBertModel} (eager/SDPA path): token embeddings
 * and a LayerNorm (no positions: rotary embeddings carry them), then pre-LN layers — {@code
 * attn_norm} (the identity in layer 0), fused {@code attn.Wqkv}, RoPE, attention that is global
 * every {@code global_attn_every_n_layers}-th layer and otherwise limited to a sliding window,
 * {@code attn.Wo}, {@code mlp_norm}, a GeGLU ({@code mlp.Wi} split into value and gate, {@code
 * mlp.Wo}) — and {@code final_norm}. Heads as {@code ModernBertFor…}: {@code head.dense} +
 * activation + {@code head.norm} on the cls or mean pooling, then {@code classifier}.
 */
final class ModernBertBackbone implements Backbone {

    /** The additive score of a key a query must not see (as {@link Attention#paddingBias}). */
    private static final float MASKED = -1e9f;

    private final BuildContext nn;
    private final Ops tf;
    private final ModernBertConfig config;
    private final BackboneInputs inputs;
    private final Operand<TFloat32> sequenceOutput;
    private final Operand<TFloat32> mask;
    private final Map<Pooling, Operand<TFloat32>> pooled = new EnumMap<>(Pooling.class);

    ModernBertBackbone(BuildContext nn, ModernBertConfig config) {
        this.nn = nn;
        this.tf = nn.ops();
        this.config = config;
        Placeholder<TInt32> inputIds = placeholder("input_ids");
        Placeholder<TInt32> attentionMask = placeholder("attention_mask");
        inputs = new BackboneInputs(inputIds, attentionMask, null);
        Operand<TInt32> shape = tf.shape(inputIds);
        Operand<TInt32> batch = tf.gather(shape, tf.constant(0), tf.constant(0));
        Operand<TInt32> length = tf.gather(shape, tf.constant(1), tf.constant(0));
        mask = tf.dtypes.cast(attentionMask, TFloat32.class);
        int h = config.hiddenSize();

        Operand<TFloat32> x =
                Embedding.create(nn, "embeddings.tok_embeddings.weight", config.vocabSize(), h)
                        .lookup(inputIds);
        x = drop(norm("embeddings.norm").apply(x), config.embeddingDropout());

        Operand<TInt32> positions = tf.range(tf.constant(0), length, tf.constant(1));
        Operand<TFloat32> globalBias = Attention.paddingBias(tf, mask, batch, length);
        // Capped so that a key masked twice (padding outside the window) scores as one masked
        // once: transformers fills with one minimum, so a padding query whose window holds no
        // real token attends uniformly to all keys there, and so does it here.
        Operand<TFloat32> localBias =
                tf.math.maximum(
                        tf.math.add(globalBias, windowBias(positions)), tf.constant(MASKED));
        Operand<TFloat32>[] globalRope =
                Rotary.of(config.headSize(), config.globalRopeTheta(), null).cosSin(tf, positions);
        Operand<TFloat32>[] localRope =
                Rotary.of(config.headSize(), config.localRopeTheta(), null).cosSin(tf, positions);
        for (int i = 0; i < config.numLayers(); i++) {
            boolean global = config.global(i);
            x =
                    layer(
                            i,
                            x,
                            global ? globalBias : localBias,
                            Rotary.of(
                                    config.headSize(),
                                    global ? config.globalRopeTheta() : config.localRopeTheta(),
                                    null),
                            global ? globalRope : localRope,
                            batch,
                            length);
        }
        sequenceOutput = tf.withName("last_hidden_state").identity(norm("final_norm").apply(x));
    }

    /**
     * The sliding window as an additive bias {@code [L, L]}: query i sees key j only when {@code |i
     * - j| <= local_attention / 2} (transformers' {@code _update_attention_mask}; the window is
     * symmetric, unlike a causal decoder's).
     */
    private Operand<TFloat32> windowBias(Operand<TInt32> positions) {
        Operand<TInt32> distance =
                tf.math.abs(
                        tf.math.sub(
                                tf.expandDims(positions, tf.constant(1)),
                                tf.expandDims(positions, tf.constant(0))));
        return tf.math.mul(
                tf.dtypes.cast(
                        tf.math.greater(distance, tf.constant(config.localAttention() / 2)),
                        TFloat32.class),
                tf.constant(MASKED));
    }

    private Operand<TFloat32> layer(
            int i,
            Operand<TFloat32> x,
            Operand<TFloat32> bias,
            Rotary rotary,
            Operand<TFloat32>[] cosSin,
            Operand<TInt32> batch,
            Operand<TInt32> length) {
        String p = "layers." + i;
        int h = config.hiddenSize();
        int heads = config.numHeads();
        int d = config.headSize();
        // Layer 0's attn_norm is nn.Identity in transformers: the embeddings were just normalised.
        Operand<TFloat32> normed = i == 0 ? x : norm(p + ".attn_norm").apply(x);
        Operand<TFloat32> qkv =
                Linear.create(nn, p + ".attn.Wqkv", h, 3 * h, config.attentionBias(), 0.02f)
                        .apply(normed);
        // Wqkv's output is [q | k | v], each heads·headSize wide (transformers views it as
        // [B, L, 3, heads, headSize]).
        List<Operand<TFloat32>> parts = List.copyOf(tf.split(tf.constant(-1), qkv, 3L).output());
        Operand<TFloat32> q =
                rotary.apply(
                        tf,
                        Attention.splitHeads(tf, parts.get(0), batch, length, heads, d),
                        cosSin);
        Operand<TFloat32> k =
                rotary.apply(
                        tf,
                        Attention.splitHeads(tf, parts.get(1), batch, length, heads, d),
                        cosSin);
        Operand<TFloat32> v = Attention.splitHeads(tf, parts.get(2), batch, length, heads, d);
        Operand<TFloat32> context =
                Attention.scaledDotProduct(
                        tf,
                        q,
                        k,
                        v,
                        bias,
                        probs -> drop(probs, config.attentionDropout()),
                        batch,
                        length,
                        heads,
                        heads,
                        d);
        Operand<TFloat32> attended =
                drop(
                        Linear.create(nn, p + ".attn.Wo", h, h, config.attentionBias(), 0.02f)
                                .apply(context),
                        config.attentionDropout());
        x = tf.math.add(x, attended);
        int inner = config.intermediateSize();
        Operand<TFloat32> wi =
                Linear.create(nn, p + ".mlp.Wi", h, 2 * inner, config.mlpBias(), 0.02f)
                        .apply(norm(p + ".mlp_norm").apply(x));
        List<Operand<TFloat32>> halves = List.copyOf(tf.split(tf.constant(-1), wi, 2L).output());
        Operand<TFloat32> glu =
                tf.math.mul(config.activation().apply(tf, halves.get(0)), halves.get(1));
        Operand<TFloat32> out =
                Linear.create(nn, p + ".mlp.Wo", inner, h, config.mlpBias(), 0.02f)
                        .apply(drop(glu, config.mlpDropout()));
        return tf.math.add(x, out);
    }

    /**
     * A dropout site where transformers has a non-zero dropout in the config; ModernBERT's are all
     * 0 in released checkpoints, so by default its training graph has none (as in transformers),
     * whatever rate the trainer feeds.
     */
    private Operand<TFloat32> drop(Operand<TFloat32> x, double configured) {
        return configured > 0 ? nn.dropout(x) : x;
    }

    private LayerNorm norm(String module) {
        int h = config.hiddenSize();
        return config.normBias()
                ? LayerNorm.create(nn, module, h, config.normEps())
                : LayerNorm.withoutBias(nn, module, h, config.normEps());
    }

    private Placeholder<TInt32> placeholder(String name) {
        return tf.withName(name).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    }

    @Override
    public ModernBertConfig config() {
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

    /** CLS and mean pooling; ModernBERT has no pooler (its head pools as configured). */
    @Override
    public boolean supports(Pooling pooling) {
        return pooling != Pooling.POOLER;
    }

    @Override
    public Operand<TFloat32> pooled(Pooling pooling) {
        if (!supports(pooling)) {
            throw new IllegalArgumentException(
                    "ModernBERT has no pooler; use cls or mean pooling (its classifier head is what"
                            + " --pooling pooler trains)");
        }
        return pooled.computeIfAbsent(
                pooling,
                p ->
                        p == Pooling.CLS
                                ? tf.withName("cls_pooled")
                                        .identity(SequencePooling.first(tf, sequenceOutput))
                                : tf.withName("mean_pooled")
                                        .identity(SequencePooling.mean(tf, sequenceOutput, mask)));
    }

    /** ModernBertPredictionHead: head.dense, the classifier activation, head.norm. */
    private Operand<TFloat32> head(Operand<TFloat32> x) {
        int h = config.hiddenSize();
        Operand<TFloat32> dense =
                Linear.create(nn, "head.dense", h, h, config.classifierBias(), 0.02f).apply(x);
        return drop(
                norm("head.norm").apply(config.classifierActivation().apply(tf, dense)),
                config.classifierDropout());
    }

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        int h = config.hiddenSize();
        if (pooling != Pooling.POOLER) {
            return new ClassifierInput(nn.dropout(pooled(pooling)), h, "classifier");
        }
        // ModernBertForSequenceClassification pools as classifier_pooling says, then its head.
        return new ClassifierInput(head(pooled(config.classifierPooling())), h, "classifier");
    }

    @Override
    public ClassifierInput tokenClassifierInput() {
        return new ClassifierInput(head(sequenceOutput), config.hiddenSize(), "classifier");
    }

    @Override
    public Optional<MaskedLmLayout> maskedLm() {
        return Optional.empty();
    }
}
