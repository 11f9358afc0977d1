package dev.hubtune.models.deberta;

import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.BackboneInputs;
import dev.hubtune.models.family.ClassifierInput;
import dev.hubtune.models.family.MaskedLmLayout;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.nn.Attention;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Embedding;
import dev.hubtune.models.nn.LayerNorm;
import dev.hubtune.models.nn.Linear;
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
 * DeBERTa-v2's encoder (and v3's) as transformers' {@code DebertaV2Model}: embeddings (absolute
 * positions only with {@code position_biased_input}, token types only when there are any, {@code
 * embed_proj} when narrower, LayerNorm, zeroed at padding), then post-LN layers with disentangled
 * attention — content-to-content plus content-to-position ({@code c2p}: each query against the keys
 * of the relative-position table) and position-to-content ({@code p2c}: each key against its
 * queries), relative distances log-bucketed with {@code position_buckets}, all scaled by {@code
 * √(d·(1 + #terms))}. The sequence classifier is the ContextPooler ({@code pooler.dense} +
 * activation on the first token) and {@code classifier}; the enhanced mask decoder (pretraining
 * only) is not built.
 */
final class DebertaV2Backbone implements Backbone {

    private final BuildContext nn;
    private final Ops tf;
    private final DebertaV2Config config;
    private final BackboneInputs inputs;
    private final Operand<TFloat32> sequenceOutput;
    private final Operand<TFloat32> mask;
    private final Map<Pooling, Operand<TFloat32>> pooled = new EnumMap<>(Pooling.class);

    DebertaV2Backbone(BuildContext nn, DebertaV2Config config) {
        this.nn = nn;
        this.tf = nn.ops();
        this.config = config;
        Placeholder<TInt32> inputIds = placeholder("input_ids");
        Placeholder<TInt32> attentionMask = placeholder("attention_mask");
        Placeholder<TInt32> tokenTypeIds =
                config.typeVocabSize() > 0 ? placeholder("token_type_ids") : null;
        inputs = new BackboneInputs(inputIds, attentionMask, tokenTypeIds);
        Operand<TInt32> shape = tf.shape(inputIds);
        Operand<TInt32> batch = tf.gather(shape, tf.constant(0), tf.constant(0));
        Operand<TInt32> length = tf.gather(shape, tf.constant(1), tf.constant(0));
        mask = tf.dtypes.cast(attentionMask, TFloat32.class);
        int e = config.embeddingSize();
        int h = config.hiddenSize();
        Operand<TInt32> positions = tf.range(tf.constant(0), length, tf.constant(1));

        Operand<TFloat32> x =
                Embedding.create(nn, "embeddings.word_embeddings.weight", config.vocabSize(), e)
                        .lookup(inputIds);
        if (config.positionBiasedInput()) {
            x =
                    tf.math.add(
                            x,
                            Embedding.create(
                                            nn,
                                            "embeddings.position_embeddings.weight",
                                            config.maxPositions(),
                                            e)
                                    .lookup(positions));
        }
        if (tokenTypeIds != null) {
            x =
                    tf.math.add(
                            x,
                            Embedding.create(
                                            nn,
                                            "embeddings.token_type_embeddings.weight",
                                            config.typeVocabSize(),
                                            e)
                                    .lookup(tokenTypeIds));
        }
        if (e != h) {
            x = Linear.create(nn, "embeddings.embed_proj", e, h, false, 0.02f).apply(x);
        }
        // transformers multiplies the normalised embeddings by the mask: padding enters as zeros.
        x =
                nn.dropout(
                        tf.math.mul(
                                norm("embeddings.LayerNorm").apply(x),
                                tf.expandDims(mask, tf.constant(-1))));

        Operand<TFloat32> keyBias = Attention.paddingBias(tf, mask, batch, length);
        // XSoftmax zeroes the probabilities of padding queries (their rows are all masked).
        Operand<TFloat32> queryMask =
                tf.reshape(mask, tf.stack(List.of(batch, tf.constant(1), length, tf.constant(1))));
        Relative relative = config.relativeAttention() ? relative(positions, length) : null;
        for (int i = 0; i < config.numLayers(); i++) {
            x = layer("encoder.layer." + i, x, keyBias, queryMask, relative, batch, length);
        }
        sequenceOutput = tf.withName("last_hidden_state").identity(x);
    }

    /**
     * The relative-position table (normalised when {@code norm_rel_ebd} says) and, per query and
     * key, flat indices into the c2p and p2c scores of every (position, table row) pair.
     */
    private record Relative(
            Operand<TFloat32> embeddings, Operand<TInt32> c2pIndex, Operand<TInt32> p2cIndex) {}

    private Relative relative(Operand<TInt32> positions, Operand<TInt32> length) {
        int span = config.attentionSpan();
        Operand<TFloat32> table =
                Embedding.create(nn, "encoder.rel_embeddings.weight", 2 * span, config.hiddenSize())
                        .table();
        Operand<TFloat32> embeddings =
                config.normRelEmbedding() ? norm("encoder.LayerNorm").apply(table) : table;
        // bucket(i - j) for every query i and key j, from a table over all distances the
        // positions allow (transformers' make_log_bucket_position, computed as it does in float32).
        int[] buckets = DebertaV2Buckets.table(config);
        int offset = (buckets.length - 1) / 2;
        Operand<TInt32> distance =
                tf.math.sub(
                        tf.expandDims(positions, tf.constant(1)),
                        tf.expandDims(positions, tf.constant(0)));
        Operand<TInt32> bucket =
                tf.gather(
                        tf.constant(buckets),
                        tf.math.add(distance, tf.constant(offset)),
                        tf.constant(0));
        // c2p[i, j] reads row clamp(bucket(i - j) + span) of query i's scores; p2c[i, j] reads
        // row clamp(-bucket(j - i) + span) of key j's scores (transformers' gather, transposed).
        Operand<TInt32> c2pRow = clamp(tf.math.add(bucket, tf.constant(span)), span);
        Operand<TInt32> p2cRow =
                clamp(
                        tf.math.sub(
                                tf.constant(span),
                                tf.linalg.transpose(bucket, tf.constant(new int[] {1, 0}))),
                        span);
        Operand<TInt32> rowStart =
                tf.expandDims(tf.math.mul(positions, tf.constant(2 * span)), tf.constant(1));
        Operand<TInt32> colStart =
                tf.expandDims(tf.math.mul(positions, tf.constant(2 * span)), tf.constant(0));
        Operand<TInt32> flat = tf.constant(new int[] {-1});
        return new Relative(
                embeddings,
                tf.reshape(tf.math.add(rowStart, c2pRow), flat),
                tf.reshape(tf.math.add(colStart, p2cRow), flat));
    }

    private Operand<TInt32> clamp(Operand<TInt32> x, int span) {
        return tf.clipByValue(x, tf.constant(0), tf.constant(2 * span - 1));
    }

    private Operand<TFloat32> layer(
            String p,
            Operand<TFloat32> x,
            Operand<TFloat32> keyBias,
            Operand<TFloat32> queryMask,
            Relative relative,
            Operand<TInt32> batch,
            Operand<TInt32> length) {
        int h = config.hiddenSize();
        int heads = config.numHeads();
        int d = config.headSize();
        Linear queryProj = linear(p + ".attention.self.query_proj", h, h);
        Linear keyProj = linear(p + ".attention.self.key_proj", h, h);
        Operand<TFloat32> q = split(queryProj.apply(x), batch, length);
        Operand<TFloat32> k = split(keyProj.apply(x), batch, length);
        Operand<TFloat32> v =
                split(linear(p + ".attention.self.value_proj", h, h).apply(x), batch, length);
        int terms =
                1
                        + (relative != null && config.c2p() ? 1 : 0)
                        + (relative != null && config.p2c() ? 1 : 0);
        Operand<TFloat32> scale = tf.constant((float) (1 / Math.sqrt((double) d * terms)));
        Operand<TFloat32> scores = tf.math.mul(Attention.batchMatMul(tf, q, k, false, true), scale);
        if (relative != null) {
            Operand<TFloat32> rel = nn.dropout(relative.embeddings());
            if (config.c2p()) {
                Linear posKey =
                        config.shareAttKey()
                                ? keyProj
                                : linear(p + ".attention.self.pos_key_proj", h, h);
                Operand<TFloat32> c2p =
                        Attention.batchMatMul(
                                tf, q, tableHeads(posKey.apply(rel), batch), false, true);
                scores =
                        tf.math.add(
                                scores,
                                tf.math.mul(pick(c2p, relative.c2pIndex(), batch, length), scale));
            }
            if (config.p2c()) {
                Linear posQuery =
                        config.shareAttKey()
                                ? queryProj
                                : linear(p + ".attention.self.pos_query_proj", h, h);
                Operand<TFloat32> p2c =
                        Attention.batchMatMul(
                                tf, k, tableHeads(posQuery.apply(rel), batch), false, true);
                scores =
                        tf.math.add(
                                scores,
                                tf.math.mul(pick(p2c, relative.p2cIndex(), batch, length), scale));
            }
        }
        Operand<TFloat32> probs =
                nn.dropout(tf.math.mul(tf.nn.softmax(tf.math.add(scores, keyBias)), queryMask));
        Operand<TFloat32> context =
                tf.reshape(
                        tf.linalg.transpose(
                                Attention.batchMatMul(tf, probs, v, false, false),
                                tf.constant(new int[] {0, 2, 1, 3})),
                        tf.stack(List.of(batch, length, tf.constant(h))));
        Operand<TFloat32> attended =
                norm(p + ".attention.output.LayerNorm")
                        .apply(
                                tf.math.add(
                                        x,
                                        nn.dropout(
                                                linear(p + ".attention.output.dense", h, h)
                                                        .apply(context))));
        Operand<TFloat32> inner =
                config.activation()
                        .apply(
                                tf,
                                linear(p + ".intermediate.dense", h, config.intermediateSize())
                                        .apply(attended));
        return norm(p + ".output.LayerNorm")
                .apply(
                        tf.math.add(
                                attended,
                                nn.dropout(
                                        linear(p + ".output.dense", config.intermediateSize(), h)
                                                .apply(inner))));
    }

    /** The projected table {@code [2·span, hidden]} as heads {@code [B, heads, 2·span, d]}. */
    private Operand<TFloat32> tableHeads(Operand<TFloat32> projected, Operand<TInt32> batch) {
        int heads = config.numHeads();
        int d = config.headSize();
        Operand<TFloat32> perHead =
                tf.linalg.transpose(
                        tf.reshape(projected, tf.constant(new int[] {-1, heads, d})),
                        tf.constant(new int[] {1, 0, 2}));
        return tf.tile(
                tf.expandDims(perHead, tf.constant(0)),
                tf.stack(List.of(batch, tf.constant(1), tf.constant(1), tf.constant(1))));
    }

    /**
     * {@code scores [B, heads, L, 2·span]} read at {@code index} (flat over {@code L·2·span}, one
     * per query-key pair) as {@code [B, heads, L, L]}: a gather on one axis, which has a gradient.
     */
    private Operand<TFloat32> pick(
            Operand<TFloat32> scores,
            Operand<TInt32> index,
            Operand<TInt32> batch,
            Operand<TInt32> length) {
        Operand<TInt32> bh = tf.math.mul(batch, tf.constant(config.numHeads()));
        Operand<TFloat32> flat =
                tf.reshape(
                        scores,
                        tf.stack(
                                List.of(
                                        bh,
                                        tf.math.mul(
                                                length, tf.constant(2 * config.attentionSpan())))));
        return tf.reshape(
                tf.gather(flat, index, tf.constant(1)),
                tf.stack(List.of(batch, tf.constant(config.numHeads()), length, length)));
    }

    private Operand<TFloat32> split(
            Operand<TFloat32> t, Operand<TInt32> batch, Operand<TInt32> length) {
        return Attention.splitHeads(tf, t, batch, length, config.numHeads(), config.headSize());
    }

    private Linear linear(String module, int in, int out) {
        return Linear.create(nn, module, in, out);
    }

    private LayerNorm norm(String module) {
        return LayerNorm.create(nn, module, config.hiddenSize(), config.layerNormEps());
    }

    private Placeholder<TInt32> placeholder(String name) {
        return tf.withName(name).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    }

    @Override
    public DebertaV2Config config() {
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
                    tf.withName("cls_pooled").identity(SequencePooling.first(tf, sequenceOutput));
            case MEAN ->
                    tf.withName("mean_pooled")
                            .identity(SequencePooling.mean(tf, sequenceOutput, mask));
            // ContextPooler: (dropout,) pooler.dense and pooler_hidden_act on the first token.
            case POOLER -> {
                Operand<TFloat32> first = SequencePooling.first(tf, sequenceOutput);
                if (config.poolerDropout() > 0) {
                    first = nn.dropout(first);
                }
                Operand<TFloat32> dense =
                        linear("pooler.dense", config.hiddenSize(), config.poolerHiddenSize())
                                .apply(first);
                yield tf.withName("pooled")
                        .identity(
                                config.poolerActivation().equals("tanh")
                                        ? tf.math.tanh(dense)
                                        : Activation.parse(config.poolerActivation())
                                                .orElseThrow()
                                                .apply(tf, dense));
            }
        };
    }

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        // DebertaV2ForSequenceClassification: ContextPooler, dropout (cls_dropout), classifier.
        int width = pooling == Pooling.POOLER ? config.poolerHiddenSize() : config.hiddenSize();
        return new ClassifierInput(nn.dropout(pooled(pooling)), width, "classifier");
    }

    @Override
    public ClassifierInput tokenClassifierInput() {
        return new ClassifierInput(nn.dropout(sequenceOutput), config.hiddenSize(), "classifier");
    }

    @Override
    public Optional<MaskedLmLayout> maskedLm() {
        return Optional.empty();
    }
}
