package dev.hubtune.models.bert;

import dev.hubtune.models.layers.Dropout;
import dev.hubtune.models.layers.Layers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The BERT encoder as TensorFlow ops: embeddings (word + position + token type, LayerNorm) and
 * post-LN transformer layers, with a masked mean pooling for sentence embeddings. Parameters are
 * VariableV2 variables named exactly as the Hugging Face parameters ({@code
 * encoder.layer.0.attention.self.query.weight}, kernels {@code [in, out]}), so importers and
 * exporters map names one to one.
 *
 * <p>Only ops with C++ gradients are used (Einsum rather than BatchMatMulV2, GatherV2 on variable
 * reads), so the same graph trains.
 */
public final class BertGraph {

    /** Token ids {@code [batch, length]}. */
    public final Placeholder<TInt32> inputIds;

    /** 1 for real tokens, 0 for padding {@code [batch, length]}. */
    public final Placeholder<TInt32> attentionMask;

    /** Segment ids {@code [batch, length]}. */
    public final Placeholder<TInt32> tokenTypeIds;

    /** Last hidden state {@code [batch, length, hidden]}. */
    public final Operand<TFloat32> sequenceOutput;

    /** Mean of the real tokens' last hidden states {@code [batch, hidden]}. */
    public final Operand<TFloat32> meanPooled;

    /** The mean pooling scaled to unit L2 norm (sentence-transformers' Normalize). */
    public final Operand<TFloat32> normalizedEmbedding;

    /**
     * Dropout (rate and seed fed per training step; off unless fed). Null in inference graphs,
     * which have no dropout ops at all.
     */
    public final Dropout dropout;

    private final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
    private final Ops tf;
    private final BertConfig config;
    private Operand<TFloat32> pooled;

    private BertGraph(Ops tf, BertConfig config, boolean training) {
        this.tf = tf;
        this.config = config;
        dropout = training ? Dropout.create(tf) : null;
        inputIds =
                tf.withName("input_ids")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        attentionMask =
                tf.withName("attention_mask")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        tokenTypeIds =
                tf.withName("token_type_ids")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));

        Operand<TInt32> shape = tf.shape(inputIds);
        Operand<TInt32> batch = tf.gather(shape, tf.constant(0), tf.constant(0));
        Operand<TInt32> length = tf.gather(shape, tf.constant(1), tf.constant(0));
        Operand<TFloat32> maskF = tf.dtypes.cast(attentionMask, TFloat32.class);

        Operand<TFloat32> positions =
                tf.gather(
                        param(
                                "embeddings.position_embeddings.weight",
                                config.maxPositions(),
                                config.hiddenSize()),
                        tf.range(tf.constant(0), length, tf.constant(1)),
                        tf.constant(0));
        Operand<TFloat32> x =
                tf.math.add(
                        tf.math.add(
                                tf.gather(
                                        param(
                                                "embeddings.word_embeddings.weight",
                                                config.vocabSize(),
                                                config.hiddenSize()),
                                        inputIds,
                                        tf.constant(0)),
                                tf.gather(
                                        param(
                                                "embeddings.token_type_embeddings.weight",
                                                config.typeVocabSize(),
                                                config.hiddenSize()),
                                        tokenTypeIds,
                                        tf.constant(0))),
                        positions);
        x = dropout(layerNorm("embeddings.LayerNorm", x));

        // Additive mask [B, 1, 1, L]: 0 for real keys, a large negative number for padding, so
        // softmax gives padded keys exactly zero weight.
        Operand<TFloat32> maskBias =
                tf.math.mul(
                        tf.math.sub(
                                tf.constant(1f),
                                tf.reshape(
                                        maskF,
                                        tf.stack(
                                                List.of(
                                                        batch,
                                                        tf.constant(1),
                                                        tf.constant(1),
                                                        length)))),
                        tf.constant(-1e9f));
        for (int i = 0; i < config.numLayers(); i++) {
            x = layer("encoder.layer." + i, x, maskBias, batch, length);
        }
        sequenceOutput = tf.withName("last_hidden_state").identity(x);

        Operand<TFloat32> maskExpanded = tf.expandDims(maskF, tf.constant(-1));
        Operand<TFloat32> summed = tf.reduceSum(tf.math.mul(x, maskExpanded), tf.constant(1));
        Operand<TFloat32> counts =
                tf.math.maximum(tf.reduceSum(maskExpanded, tf.constant(1)), tf.constant(1e-9f));
        meanPooled = tf.withName("mean_pooled").math.div(summed, counts);
        Operand<TFloat32> norm =
                tf.math.maximum(
                        tf.math.sqrt(
                                tf.reduceSum(
                                        tf.math.square(meanPooled),
                                        tf.constant(-1),
                                        ReduceSum.keepDims(true))),
                        tf.constant(1e-12f));
        normalizedEmbedding = tf.withName("embedding").math.div(meanPooled, norm);
    }

    /** Builds the inference encoder (no dropout ops) into the graph of {@code tf}. */
    public static BertGraph build(Ops tf, BertConfig config) {
        return new BertGraph(tf, config, false);
    }

    /** Builds the encoder with dropout where BERT has it, controlled by {@link #dropoutRate}. */
    public static BertGraph buildForTraining(Ops tf, BertConfig config) {
        return new BertGraph(tf, config, true);
    }

    /** The ops of this graph (for heads built on top). */
    public Ops ops() {
        return tf;
    }

    /** Dropout where BERT has it in training graphs; identity in inference graphs. */
    public Operand<TFloat32> dropout(Operand<TFloat32> x) {
        return dropout == null ? x : dropout.apply(x);
    }

    /** The parameters by HF name, in creation order. */
    public Map<String, Variable<TFloat32>> variables() {
        return java.util.Collections.unmodifiableMap(variables);
    }

    /** The configuration the graph was built from. */
    public BertConfig config() {
        return config;
    }

    private Operand<TFloat32> layer(
            String p,
            Operand<TFloat32> x,
            Operand<TFloat32> maskBias,
            Operand<TInt32> batch,
            Operand<TInt32> length) {
        int h = config.hiddenSize();
        Operand<TFloat32> q = heads(dense(p + ".attention.self.query", x, h, h), batch, length);
        Operand<TFloat32> k = heads(dense(p + ".attention.self.key", x, h, h), batch, length);
        Operand<TFloat32> v = heads(dense(p + ".attention.self.value", x, h, h), batch, length);
        Operand<TFloat32> context =
                Layers.attention(
                        tf, q, k, v, maskBias, this::dropout, batch, length, h, config.headSize());
        Operand<TFloat32> attention =
                layerNorm(
                        p + ".attention.output.LayerNorm",
                        tf.math.add(
                                x, dropout(dense(p + ".attention.output.dense", context, h, h))));
        Operand<TFloat32> hidden =
                activation(
                        dense(p + ".intermediate.dense", attention, h, config.intermediateSize()));
        return layerNorm(
                p + ".output.LayerNorm",
                tf.math.add(
                        attention,
                        dropout(dense(p + ".output.dense", hidden, config.intermediateSize(), h))));
    }

    /** [B, L, H] -> [B, heads, L, headSize]. */
    private Operand<TFloat32> heads(
            Operand<TFloat32> t, Operand<TInt32> batch, Operand<TInt32> length) {
        return Layers.splitHeads(tf, t, batch, length, config.numHeads(), config.headSize());
    }

    /**
     * x [..., in] · W [in, out] + b, with the parameters {@code name.weight} and {@code name.bias}.
     */
    Operand<TFloat32> dense(String name, Operand<TFloat32> x, int in, int out) {
        return Layers.dense(
                tf, x, param(name + ".weight", in, out), param(name + ".bias", out), in, out);
    }

    /**
     * BERT's pooler, {@code tanh(dense(hidden state of the first token))}, {@code [batch, hidden]}:
     * what next-sentence prediction was trained on and what Google's classifiers use. Built (and
     * its parameters {@code pooler.dense.*} created) on the first call.
     */
    public Operand<TFloat32> pooled() {
        if (pooled == null) {
            Operand<TFloat32> first = tf.gather(sequenceOutput, tf.constant(0), tf.constant(1));
            int h = config.hiddenSize();
            pooled = tf.withName("pooled").math.tanh(dense("pooler.dense", first, h, h));
        }
        return pooled;
    }

    Operand<TFloat32> layerNorm(String name, Operand<TFloat32> x) {
        return Layers.layerNorm(
                tf,
                x,
                param(name + ".weight", config.hiddenSize()),
                param(name + ".bias", config.hiddenSize()),
                config.layerNormEps());
    }

    Operand<TFloat32> activation(Operand<TFloat32> x) {
        return switch (config.activation()) {
            case GELU -> Layers.gelu(tf, x);
            case GELU_TANH -> Layers.geluTanh(tf, x);
            case RELU -> tf.nn.relu(x);
        };
    }

    /** A parameter of this graph (created on first use), for heads that share its naming. */
    public Variable<TFloat32> param(String name, long... shape) {
        return variables.computeIfAbsent(
                name, n -> tf.withName(n).variable(Shape.of(shape), TFloat32.class));
    }
}
