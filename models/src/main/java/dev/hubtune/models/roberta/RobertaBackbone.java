package dev.hubtune.models.roberta;

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
 * RoBERTa's encoder as transformers' {@code RobertaModel} (also XLM-RoBERTa's and CamemBERT's):
 * BERT's post-LN layers under the same module names, and embeddings whose positions are counted
 * from the padding index (see {@link #positions}). Task heads as {@code RobertaFor…}: the sequence
 * classifier is {@code classifier.dense} + tanh + {@code classifier.out_proj} on {@code <s>}, the
 * masked-LM head is {@code lm_head}.
 */
final class RobertaBackbone implements Backbone {

    private final BuildContext nn;
    private final Ops tf;
    private final RobertaConfig config;
    private final BackboneInputs inputs;
    private final Operand<TFloat32> sequenceOutput;
    private final Operand<TFloat32> mask;
    private final Embedding wordEmbeddings;
    private final Map<Pooling, Operand<TFloat32>> pooled = new EnumMap<>(Pooling.class);

    RobertaBackbone(BuildContext nn, RobertaConfig config) {
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

        wordEmbeddings =
                Embedding.create(nn, "embeddings.word_embeddings.weight", config.vocabSize(), h);
        Operand<TFloat32> position =
                Embedding.create(
                                nn,
                                "embeddings.position_embeddings.weight",
                                config.positionTable(),
                                h)
                        .lookup(positions(inputIds));
        Operand<TFloat32> types =
                Embedding.create(
                                nn,
                                "embeddings.token_type_embeddings.weight",
                                config.typeVocabSize(),
                                h)
                        .lookup(tokenTypeIds);
        Operand<TFloat32> x =
                tf.math.add(tf.math.add(wordEmbeddings.lookup(inputIds), types), position);
        x =
                nn.dropout(
                        LayerNorm.create(nn, "embeddings.LayerNorm", h, config.layerNormEps())
                                .apply(x));

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

    /**
     * RoBERTa's position ids, as transformers' {@code create_position_ids_from_input_ids}: real
     * tokens are numbered {@code padding_idx + 1, padding_idx + 2, …} and padding tokens get {@code
     * padding_idx} itself, i.e. {@code cumsum(ids ≠ pad)·(ids ≠ pad) + pad}. Derived from the ids,
     * not the attention mask, exactly as transformers does; running RoBERTa with BERT's positions
     * 0…n-1 shifts every position by two rows of the table and gives wrong outputs.
     */
    private Operand<TInt32> positions(Operand<TInt32> inputIds) {
        Operand<TInt32> real =
                tf.dtypes.cast(
                        tf.math.notEqual(inputIds, tf.constant(config.padTokenId())), TInt32.class);
        return tf.math.add(
                tf.math.mul(tf.math.cumsum(real, tf.constant(1)), real),
                tf.constant(config.padTokenId()));
    }

    private Placeholder<TInt32> placeholder(String name) {
        return tf.withName(name).placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
    }

    @Override
    public RobertaConfig config() {
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
        int h = config.hiddenSize();
        return switch (pooling) {
            case CLS ->
                    tf.withName("cls_pooled").identity(SequencePooling.first(tf, sequenceOutput));
            case MEAN ->
                    tf.withName("mean_pooled")
                            .identity(SequencePooling.mean(tf, sequenceOutput, mask));
            // RobertaModel's pooler (tanh(pooler.dense(<s>))), present in pretrained checkpoints;
            // the classifiers of transformers do not use it.
            case POOLER ->
                    tf.withName("pooled")
                            .math
                            .tanh(
                                    Linear.create(nn, "pooler.dense", h, h)
                                            .apply(SequencePooling.first(tf, sequenceOutput)));
        };
    }

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        if (pooling != Pooling.POOLER) {
            return new ClassifierInput(
                    nn.dropout(pooled(pooling)), config.hiddenSize(), "classifier");
        }
        // RobertaClassificationHead: dropout, classifier.dense, tanh, dropout, classifier.out_proj
        // on the <s> token's state (not the pooler).
        int h = config.hiddenSize();
        Operand<TFloat32> first = nn.dropout(SequencePooling.first(tf, sequenceOutput));
        Operand<TFloat32> dense =
                tf.math.tanh(Linear.create(nn, "classifier.dense", h, h).apply(first));
        return new ClassifierInput(nn.dropout(dense), h, "classifier.out_proj");
    }

    @Override
    public ClassifierInput tokenClassifierInput() {
        return new ClassifierInput(nn.dropout(sequenceOutput), config.hiddenSize(), "classifier");
    }

    @Override
    public Optional<MaskedLmLayout> maskedLm() {
        // RobertaLMHead: dense, exact GELU whatever hidden_act says, layer_norm, then the decoder
        // tied to the word embeddings plus lm_head.bias.
        return Optional.of(
                new MaskedLmLayout(
                        "lm_head.dense",
                        "lm_head.layer_norm",
                        "lm_head.bias",
                        Activation.GELU,
                        config.layerNormEps(),
                        wordEmbeddings));
    }
}
