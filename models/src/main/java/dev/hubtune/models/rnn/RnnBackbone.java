package dev.hubtune.models.rnn;

import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.BackboneInputs;
import dev.hubtune.models.family.ClassifierInput;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.MaskedLmLayout;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Embedding;
import dev.hubtune.models.nn.Gru;
import dev.hubtune.models.nn.Lstm;
import dev.hubtune.models.nn.RecurrentOutput;
import dev.hubtune.models.nn.RecurrentSpec;
import dev.hubtune.models.nn.SequencePooling;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Token embedding ({@code embeddings.word_embeddings.weight}) → dropout → LSTM/GRU stack ({@code
 * encoder.l<k>[_reverse].*}, see {@link Lstm}). The inputs are padded or cut to the config's {@code
 * max_length} in the graph, because a GRU's recurrence is unrolled over a static number of steps
 * (an LSTM's fused kernel runs only up to the batch's longest sequence); the attention mask makes
 * padded steps leave the states unchanged, so the result does not depend on how much padding a
 * batch carries. Poolings: {@link Pooling#POOLER} is the last layer's final states, forward and
 * backward concatenated (Tang et al. 2019's BiLSTM feature); {@link Pooling#MEAN} the masked mean
 * of the outputs.
 */
final class RnnBackbone implements Backbone {

    private final RnnConfig config;
    private final BuildContext context;
    private final BackboneInputs inputs;
    private final Operand<TFloat32> mask;
    private final RecurrentOutput encoded;
    private final Operand<TFloat32> sequence;
    private final Map<Pooling, Operand<TFloat32>> pooled = new EnumMap<>(Pooling.class);

    RnnBackbone(BuildContext context, RnnConfig config) {
        this.config = config;
        this.context = context;
        Ops tf = context.ops();
        Placeholder<TInt32> ids =
                tf.withName("input_ids")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        Placeholder<TInt32> attention =
                tf.withName("attention_mask")
                        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
        inputs = new BackboneInputs(ids, attention, null);
        int steps = config.maxLength();
        Operand<TInt32> fixedIds = toSteps(tf, ids, steps, config.padTokenId());
        mask = tf.dtypes.cast(toSteps(tf, attention, steps, 0), TFloat32.class);
        Operand<TFloat32> embedded =
                Embedding.create(
                                context,
                                "embeddings.word_embeddings.weight",
                                config.vocabSize(),
                                config.embeddingSize())
                        .lookup(fixedIds, OptionalInt.of(config.padTokenId()));
        embedded = context.dropout(embedded);
        RecurrentSpec spec =
                RecurrentSpec.builder()
                        .setInputSize(config.embeddingSize())
                        .setUnits(config.units())
                        .optLayers(config.numLayers())
                        .optBidirectional(config.bidirectional())
                        .build();
        encoded =
                switch (config.cell()) {
                    case LSTM -> Lstm.create(context, "encoder", spec).apply(embedded, mask);
                    case GRU -> Gru.create(context, "encoder", spec).apply(embedded, mask);
                };
        // Back to the batch's own length (at most max_length), so per-token outputs line up with
        // the tokens fed.
        Operand<TInt32> length =
                tf.math.minimum(
                        tf.reshape(
                                tf.slice(
                                        tf.shape(ids),
                                        tf.constant(new int[] {1}),
                                        tf.constant(new int[] {1})),
                                tf.constant(new int[] {1})),
                        tf.constant(new int[] {steps}));
        sequence =
                tf.slice(
                        encoded.sequences(),
                        tf.constant(new int[] {0, 0, 0}),
                        tf.concat(
                                java.util.List.of(
                                        tf.constant(new int[] {-1}),
                                        length,
                                        tf.constant(new int[] {-1})),
                                tf.constant(0)));
    }

    /** {@code x [B, L]} right-padded with {@code pad} or cut to exactly {@code steps} columns. */
    private static Operand<TInt32> toSteps(Ops tf, Operand<TInt32> x, int steps, int pad) {
        Operand<TInt32> padded =
                tf.pad(x, tf.constant(new int[][] {{0, 0}, {0, steps}}), tf.constant(pad));
        return tf.slice(padded, tf.constant(new int[] {0, 0}), tf.constant(new int[] {-1, steps}));
    }

    @Override
    public FamilyConfig config() {
        return config;
    }

    @Override
    public BuildContext context() {
        return context;
    }

    @Override
    public BackboneInputs inputs() {
        return inputs;
    }

    @Override
    public Operand<TFloat32> sequenceOutput() {
        return sequence;
    }

    @Override
    public boolean supports(Pooling pooling) {
        return pooling == Pooling.POOLER || pooling == Pooling.MEAN;
    }

    @Override
    public Operand<TFloat32> pooled(Pooling pooling) {
        if (!supports(pooling)) {
            throw new IllegalArgumentException(
                    "a hubtune-rnn encoder pools with pooler (its final states) or mean, not "
                            + pooling.configName());
        }
        return pooled.computeIfAbsent(
                pooling,
                p ->
                        p == Pooling.POOLER
                                ? encoded.last()
                                : SequencePooling.mean(context.ops(), encoded.sequences(), mask));
    }

    @Override
    public ClassifierInput sequenceClassifierInput(Pooling pooling) {
        return new ClassifierInput(
                context.dropout(pooled(pooling)), config.hiddenSize(), "classifier");
    }

    @Override
    public ClassifierInput tokenClassifierInput() {
        return new ClassifierInput(context.dropout(sequence), config.hiddenSize(), "classifier");
    }

    @Override
    public Optional<MaskedLmLayout> maskedLm() {
        return Optional.empty();
    }
}
