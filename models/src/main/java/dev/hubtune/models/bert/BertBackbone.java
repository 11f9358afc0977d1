package dev.hubtune.models.bert;

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
 * The BERT encoder as TensorFlow ops: embeddings (word + position + token type, LayerNorm) and
 * post-LN transformer layers, as HF's {@code BertModel}. Parameters carry HF's names ({@code
 * encoder.layer.0.attention.self.query.weight}, kernels {@code [in, out]}), so importers and
 * exporters map names one to one. The pooler ({@code pooler.dense}) is built when first asked for.
 */
final class BertBackbone implements Backbone {

    private final BuildContext nn;
    private final Ops tf;
    private final BertConfig config;
    private final BackboneInputs inputs;
    private final Operand<TFloat32> sequenceOutput;
    private final Operand<TFloat32> mask;
    private final Embedding wordEmbeddings;
    private final Map<Pooling, Operand<TFloat32>> pooled = new EnumMap<>(Pooling.class);

    BertBackbone(BuildContext nn, BertConfig config) {
        this.nn = nn;
        this.tf = nn.ops();
        this.config = config;
        Placeholder<TInt32> inputIds = placeholder("input_ids");
        Placeholder<TInt32> attentionMask = placeholder("attention_mask");
        Placeholder<TInt32> tokenTypeIds = placeholder("token_type_ids");
        inputs = new BackboneInputs(inputIds, attentionMask, tokenTypeIds);

        Operand<TInt32> shape = tf.shape(inputIds);
        Operand<TInt32> batch = tf.gather(shape, tf.constant(0), tf.constant(0));
        Operand<TInt32> length = tf.gather(shape, tf.constant(1), tf.constant(0));
        mask = tf.dtypes.cast(attentionMask, TFloat32.class);
        int h = config.hiddenSize();

        // Created in the order the first version of this graph created them (positions, words,
        // types), so the optimizer's reductions over parameters keep their order.
        Operand<TFloat32> positions =
                Embedding.create(
                                nn,
                                "embeddings.position_embeddings.weight",
                                config.maxPositions(),
                                h)
                        .lookup(tf.range(tf.constant(0), length, tf.constant(1)));
        wordEmbeddings =
                Embedding.create(nn, "embeddings.word_embeddings.weight", config.vocabSize(), h);
        Operand<TFloat32> types =
                Embedding.create(
                                nn,
                                "embeddings.token_type_embeddings.weight",
                                config.typeVocabSize(),
                                h)
                        .lookup(tokenTypeIds);
        Operand<TFloat32> x =
                tf.math.add(tf.math.add(wordEmbeddings.lookup(inputIds), types), positions);
        x = nn.dropout(norm("embeddings.LayerNorm").apply(x));

        Operand<TFloat32> maskBias = Attention.paddingBias(tf, mask, batch, length);
        for (int i = 0; i < config.numLayers(); i++) {
            x = layer("encoder.layer." + i, x, maskBias, batch, length);
        }
        sequenceOutput = tf.withName("last_hidden_state").identity(x);
    }

    private Placeholder<TInt32> placeholder(String name) {
        return tf.withName(name).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    }

    private Operand<TFloat32> layer(
            String p,
            Operand<TFloat32> x,
            Operand<TFloat32> maskBias,
            Operand<TInt32> batch,
            Operand<TInt32> length) {
        int h = config.hiddenSize();
        int heads = config.numHeads();
        int d = config.headSize();
        Operand<TFloat32> q =
                Attention.splitHeads(
                        tf,
                        linear(p + ".attention.self.query", h, h).apply(x),
                        batch,
                        length,
                        heads,
                        d);
        Operand<TFloat32> k =
                Attention.splitHeads(
                        tf,
                        linear(p + ".attention.self.key", h, h).apply(x),
                        batch,
                        length,
                        heads,
                        d);
        Operand<TFloat32> v =
                Attention.splitHeads(
                        tf,
                        linear(p + ".attention.self.value", h, h).apply(x),
                        batch,
                        length,
                        heads,
                        d);
        Operand<TFloat32> context =
                Attention.scaledDotProduct(
                        tf, q, k, v, maskBias, nn::dropout, batch, length, heads, heads, d);
        Operand<TFloat32> attention =
                norm(p + ".attention.output.LayerNorm")
                        .apply(
                                tf.math.add(
                                        x,
                                        nn.dropout(
                                                linear(p + ".attention.output.dense", h, h)
                                                        .apply(context))));
        Operand<TFloat32> hidden =
                config.activation()
                        .apply(
                                tf,
                                linear(p + ".intermediate.dense", h, config.intermediateSize())
                                        .apply(attention));
        return norm(p + ".output.LayerNorm")
                .apply(
                        tf.math.add(
                                attention,
                                nn.dropout(
                                        linear(p + ".output.dense", config.intermediateSize(), h)
                                                .apply(hidden))));
    }

    private Linear linear(String module, int in, int out) {
        return Linear.create(nn, module, in, out);
    }

    private LayerNorm norm(String module) {
        return LayerNorm.create(nn, module, config.hiddenSize(), config.layerNormEps());
    }

    @Override
    public BertConfig config() {
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
        return true;
    }

    @Override
    public Operand<TFloat32> pooled(Pooling pooling) {
        return pooled.computeIfAbsent(pooling, this::buildPooling);
    }

    private Operand<TFloat32> buildPooling(Pooling pooling) {
        return switch (pooling) {
            case CLS ->
                    tf.withName("cls_pooled")
                            .gather(sequenceOutput, tf.constant(0), tf.constant(1));
            case MEAN -> {
                Operand<TFloat32> maskExpanded = tf.expandDims(mask, tf.constant(-1));
                Operand<TFloat32> summed =
                        tf.reduceSum(tf.math.mul(sequenceOutput, maskExpanded), tf.constant(1));
                Operand<TFloat32> counts =
                        tf.math.maximum(
                                tf.reduceSum(maskExpanded, tf.constant(1)), tf.constant(1e-9f));
                yield tf.withName("mean_pooled").math.div(summed, counts);
            }
            // BERT's pooler, tanh(dense(first token's state)): what next-sentence prediction was
            // trained on and what BertForSequenceClassification classifies.
            case POOLER -> {
                Operand<TFloat32> first = tf.gather(sequenceOutput, tf.constant(0), tf.constant(1));
                int h = config.hiddenSize();
                yield tf.withName("pooled").math.tanh(linear("pooler.dense", h, h).apply(first));
            }
        };
    }

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        // BertForSequenceClassification: dropout on the pooler output, then `classifier`.
        return new ClassifierInput(nn.dropout(pooled(pooling)), config.hiddenSize(), "classifier");
    }

    @Override
    public ClassifierInput tokenClassifierInput() {
        return new ClassifierInput(nn.dropout(sequenceOutput), config.hiddenSize(), "classifier");
    }

    @Override
    public Optional<MaskedLmLayout> maskedLm() {
        return Optional.of(
                new MaskedLmLayout(
                        "cls.predictions.transform.dense",
                        "cls.predictions.transform.LayerNorm",
                        "cls.predictions.bias",
                        config.activation(),
                        config.layerNormEps(),
                        wordEmbeddings));
    }
}
