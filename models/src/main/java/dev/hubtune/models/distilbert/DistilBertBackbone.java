package dev.hubtune.models.distilbert;

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
import dev.hubtune.models.nn.ParameterKind;
import dev.hubtune.models.nn.SequencePooling;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * DistilBERT's encoder as transformers' {@code DistilBertModel}: word + position embeddings (no
 * token types), LayerNorm, then post-LN blocks ({@code attention.q_lin/k_lin/v_lin/out_lin}, {@code
 * sa_layer_norm}, {@code ffn.lin1/lin2}, {@code output_layer_norm}). Its sequence classifier is
 * {@code pre_classifier} + ReLU + dropout + {@code classifier} on the first token; its masked-LM
 * head {@code vocab_transform} + activation + {@code vocab_layer_norm} + the tied projector.
 */
final class DistilBertBackbone implements Backbone {

    static final String POSITIONS = "embeddings.position_embeddings.weight";

    private final BuildContext nn;
    private final Ops tf;
    private final DistilBertConfig config;
    private final BackboneInputs inputs;
    private final Operand<TFloat32> sequenceOutput;
    private final Operand<TFloat32> mask;
    private final Embedding wordEmbeddings;
    private final Map<Pooling, Operand<TFloat32>> pooled = new EnumMap<>(Pooling.class);

    DistilBertBackbone(BuildContext nn, DistilBertConfig config) {
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

        wordEmbeddings =
                Embedding.create(nn, "embeddings.word_embeddings.weight", config.vocabSize(), h);
        Operand<TFloat32> positions =
                tf.gather(
                        positionTable(),
                        tf.range(tf.constant(0), length, tf.constant(1)),
                        tf.constant(0));
        Operand<TFloat32> x = tf.math.add(wordEmbeddings.lookup(inputIds), positions);
        x = nn.dropout(norm("embeddings.LayerNorm").apply(x));

        Operand<TFloat32> maskBias = Attention.paddingBias(tf, mask, batch, length);
        for (int i = 0; i < config.numLayers(); i++) {
            x = block("transformer.layer." + i, x, maskBias, batch, length);
        }
        sequenceOutput = tf.withName("last_hidden_state").identity(x);
    }

    /**
     * The position table. With {@code sinusoidal_pos_embds} it is transformers' fixed sinusoidal
     * table ({@code requires_grad = False} there): fresh copies get those values, and it is never
     * trained.
     */
    private Operand<TFloat32> positionTable() {
        int rows = config.maxPositions();
        int h = config.hiddenSize();
        if (!config.sinusoidal()) {
            return Embedding.create(nn, POSITIONS, rows, h).table();
        }
        Operand<TFloat32> table =
                nn.parameters()
                        .get(
                                POSITIONS,
                                ParameterKind.EMBEDDING,
                                (random, shape) -> DistilBertWeights.sinusoidal(rows, h),
                                rows,
                                h);
        nn.parameters().freeze(POSITIONS::equals);
        return table;
    }

    private Operand<TFloat32> block(
            String p,
            Operand<TFloat32> x,
            Operand<TFloat32> maskBias,
            Operand<TInt32> batch,
            Operand<TInt32> length) {
        int h = config.hiddenSize();
        int heads = config.numHeads();
        int d = h / heads;
        Operand<TFloat32> q = split(linear(p + ".attention.q_lin", h, h).apply(x), batch, length);
        Operand<TFloat32> k = split(linear(p + ".attention.k_lin", h, h).apply(x), batch, length);
        Operand<TFloat32> v = split(linear(p + ".attention.v_lin", h, h).apply(x), batch, length);
        Operand<TFloat32> context =
                Attention.scaledDotProduct(
                        tf, q, k, v, maskBias, nn::dropout, batch, length, heads, heads, d);
        // No dropout after out_lin (transformers' MultiHeadSelfAttention has none there); the
        // feed-forward output has one.
        Operand<TFloat32> attended =
                norm(p + ".sa_layer_norm")
                        .apply(
                                tf.math.add(
                                        linear(p + ".attention.out_lin", h, h).apply(context), x));
        Operand<TFloat32> inner =
                config.activation()
                        .apply(tf, linear(p + ".ffn.lin1", h, config.ffnSize()).apply(attended));
        Operand<TFloat32> ffn =
                nn.dropout(linear(p + ".ffn.lin2", config.ffnSize(), h).apply(inner));
        return norm(p + ".output_layer_norm").apply(tf.math.add(ffn, attended));
    }

    private Operand<TFloat32> split(
            Operand<TFloat32> t, Operand<TInt32> batch, Operand<TInt32> length) {
        return Attention.splitHeads(
                tf, t, batch, length, config.numHeads(), config.hiddenSize() / config.numHeads());
    }

    private Linear linear(String module, int in, int out) {
        return Linear.create(nn, module, in, out);
    }

    private LayerNorm norm(String module) {
        return LayerNorm.create(nn, module, config.hiddenSize(), DistilBertConfig.LAYER_NORM_EPS);
    }

    private Placeholder<TInt32> placeholder(String name) {
        return tf.withName(name).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    }

    @Override
    public DistilBertConfig config() {
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

    /** CLS and mean pooling; DistilBERT has no pooler. */
    @Override
    public boolean supports(Pooling pooling) {
        return pooling != Pooling.POOLER;
    }

    @Override
    public Operand<TFloat32> pooled(Pooling pooling) {
        if (!supports(pooling)) {
            throw new IllegalArgumentException(
                    "DistilBERT has no pooler; use cls or mean pooling (its classifier head is"
                            + " what --pooling pooler trains)");
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

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        int h = config.hiddenSize();
        if (pooling != Pooling.POOLER) {
            return new ClassifierInput(nn.dropout(pooled(pooling)), h, "classifier");
        }
        // DistilBertForSequenceClassification: first token, pre_classifier, ReLU, dropout
        // (seq_classif_dropout), classifier.
        Operand<TFloat32> first = SequencePooling.first(tf, sequenceOutput);
        Operand<TFloat32> pre = tf.nn.relu(linear("pre_classifier", h, h).apply(first));
        return new ClassifierInput(nn.dropout(pre), h, "classifier");
    }

    @Override
    public ClassifierInput tokenClassifierInput() {
        return new ClassifierInput(nn.dropout(sequenceOutput), config.hiddenSize(), "classifier");
    }

    @Override
    public Optional<MaskedLmLayout> maskedLm() {
        return Optional.of(
                new MaskedLmLayout(
                        "vocab_transform",
                        "vocab_layer_norm",
                        "vocab_projector.bias",
                        config.activation(),
                        DistilBertConfig.LAYER_NORM_EPS,
                        wordEmbeddings));
    }
}
