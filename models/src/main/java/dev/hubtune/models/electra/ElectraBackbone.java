package dev.hubtune.models.electra;

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
import dev.hubtune.models.nn.PostNormEncoderLayer;
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
 * The ELECTRA discriminator's encoder as transformers' {@code ElectraModel}: BERT's embeddings at
 * {@code embedding_size} with their LayerNorm, {@code embeddings_project} to {@code hidden_size}
 * when the widths differ, then BERT's post-LN layers. The sequence classifier is {@code
 * ElectraClassificationHead}: {@code classifier.dense} + exact GELU + {@code classifier.out_proj}
 * on the first token. There is no pooler and no masked-LM head (that is the generator's).
 */
final class ElectraBackbone implements Backbone {

    private final BuildContext nn;
    private final Ops tf;
    private final ElectraConfig config;
    private final BackboneInputs inputs;
    private final Operand<TFloat32> sequenceOutput;
    private final Operand<TFloat32> mask;
    private final Map<Pooling, Operand<TFloat32>> pooled = new EnumMap<>(Pooling.class);

    ElectraBackbone(BuildContext nn, ElectraConfig config) {
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
        int e = config.embeddingSize();
        int h = config.hiddenSize();

        Operand<TFloat32> words =
                Embedding.create(nn, "embeddings.word_embeddings.weight", config.vocabSize(), e)
                        .lookup(inputIds);
        Operand<TFloat32> positions =
                Embedding.create(
                                nn,
                                "embeddings.position_embeddings.weight",
                                config.maxPositions(),
                                e)
                        .lookup(tf.range(tf.constant(0), length, tf.constant(1)));
        Operand<TFloat32> types =
                Embedding.create(
                                nn,
                                "embeddings.token_type_embeddings.weight",
                                config.typeVocabSize(),
                                e)
                        .lookup(tokenTypeIds);
        Operand<TFloat32> x = tf.math.add(tf.math.add(words, types), positions);
        x =
                nn.dropout(
                        LayerNorm.create(nn, "embeddings.LayerNorm", e, config.layerNormEps())
                                .apply(x));
        if (config.projectsEmbeddings()) {
            x = Linear.create(nn, "embeddings_project", e, h).apply(x);
        }
        Operand<TFloat32> maskBias = Attention.paddingBias(tf, mask, batch, length);
        PostNormEncoderLayer layer =
                new PostNormEncoderLayer(
                        h,
                        config.numHeads(),
                        config.intermediateSize(),
                        config.activation(),
                        config.layerNormEps());
        for (int i = 0; i < config.numLayers(); i++) {
            x = layer.apply(nn, "encoder.layer." + i, x, maskBias, batch, length);
        }
        sequenceOutput = tf.withName("last_hidden_state").identity(x);
    }

    private Placeholder<TInt32> placeholder(String name) {
        return tf.withName(name).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    }

    @Override
    public ElectraConfig config() {
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

    /** CLS and mean pooling; ELECTRA has no pooler. */
    @Override
    public boolean supports(Pooling pooling) {
        return pooling != Pooling.POOLER;
    }

    @Override
    public Operand<TFloat32> pooled(Pooling pooling) {
        if (!supports(pooling)) {
            throw new IllegalArgumentException(
                    "ELECTRA has no pooler; use cls or mean pooling (its classifier head is what"
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

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        int h = config.hiddenSize();
        if (pooling != Pooling.POOLER) {
            return new ClassifierInput(nn.dropout(pooled(pooling)), h, "classifier");
        }
        // ElectraClassificationHead: dropout, classifier.dense, GELU (exact, whatever hidden_act
        // says: transformers hard-codes get_activation("gelu")), dropout, classifier.out_proj.
        Operand<TFloat32> first = nn.dropout(SequencePooling.first(tf, sequenceOutput));
        Operand<TFloat32> dense =
                Activation.GELU.apply(tf, Linear.create(nn, "classifier.dense", h, h).apply(first));
        return new ClassifierInput(nn.dropout(dense), h, "classifier.out_proj");
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
