package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.export.SavedModelExport;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.family.MaskedLmLayout;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.MaskedLmHead;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * An encoder with its weights, ready for inference, whatever its family: hidden states, poolings
 * and sentence embeddings for batches from the tokenizers module, and the masked-LM head when the
 * weights have one. Owns a TensorFlow graph and session; close it.
 */
public final class EncoderModel implements AutoCloseable {

    /** The parts built on the backbone. */
    private record Parts(
            Map<Pooling, Operand<TFloat32>> poolings,
            Map<Pooling, Operand<TFloat32>> normalized,
            Optional<MaskedLmHead> maskedLm,
            boolean hasPooler) {}

    private final LoadedModel<Parts> loaded;

    private EncoderModel(LoadedModel<Parts> loaded) {
        this.loaded = loaded;
    }

    /** Loads the encoder in {@code dir}. */
    public static EncoderModel load(Path dir) throws ModelException {
        return load(ModelFamilies.load(dir));
    }

    /**
     * Loads {@code model}. Its family's pooler and masked-LM head are part of the graph; when the
     * weights lack them they are reported absent ({@link #hasPooler}, {@link #hasMaskedLmHead}).
     */
    public static EncoderModel load(PretrainedModel model) throws ModelException {
        return load(model, java.util.List.of());
    }

    /**
     * Loads {@code model} with PEFT LoRA {@code adapters} over it, the first active ({@link
     * #useAdapter} switches without reloading the base).
     */
    public static EncoderModel load(
            PretrainedModel model, java.util.List<dev.hubtune.models.lora.PeftAdapter> adapters)
            throws ModelException {
        model.require(ModelTask.EMBEDDING);
        return new EncoderModel(
                LoadedModel.load(
                        model,
                        EncoderModel::parts,
                        "the encoder in " + model.name(),
                        dev.hubtune.models.nn.BuildContext::inference,
                        ModelTask.EMBEDDING,
                        adapters));
    }

    /** The names of the adapters loaded over the base (empty without). */
    public java.util.List<String> adapters() {
        return loaded.adapters();
    }

    /** Switches to adapter {@code name} ({@code null}: the base model); not while embedding. */
    public void useAdapter(String name) {
        loaded.useAdapter(name);
    }

    private static Parts parts(
            Backbone backbone, Map<String, WeightTensor> weights, Set<String> optional) {
        Ops tf = backbone.context().ops();
        Map<Pooling, Operand<TFloat32>> poolings = new java.util.EnumMap<>(Pooling.class);
        Map<Pooling, Operand<TFloat32>> normalized = new java.util.EnumMap<>(Pooling.class);
        boolean hasPooler = false;
        for (Pooling p : Pooling.values()) {
            if (!backbone.supports(p)) {
                continue;
            }
            Set<String> before =
                    new HashSet<>(backbone.context().parameters().parameters().keySet());
            poolings.put(p, backbone.pooled(p));
            normalized.put(p, normalize(tf, poolings.get(p)));
            Set<String> added =
                    new HashSet<>(backbone.context().parameters().parameters().keySet());
            added.removeAll(before);
            optional.addAll(added);
            if (p == Pooling.POOLER) {
                hasPooler = weights.keySet().containsAll(added);
            }
        }
        Optional<MaskedLmHead> maskedLm = Optional.empty();
        Optional<MaskedLmLayout> layout = backbone.maskedLm();
        if (layout.isPresent() && weights.containsKey(layout.get().bias())) {
            maskedLm = Optional.of(MaskedLmHead.build(backbone));
        }
        return new Parts(poolings, normalized, maskedLm, hasPooler);
    }

    /** {@code v / max(‖v‖, 1e-12)}: sentence-transformers' Normalize. */
    static Operand<TFloat32> normalize(Ops tf, Operand<TFloat32> v) {
        Operand<TFloat32> norm =
                tf.math.maximum(
                        tf.math.sqrt(
                                tf.reduceSum(
                                        tf.math.square(v),
                                        tf.constant(-1),
                                        ReduceSum.keepDims(true))),
                        tf.constant(1e-12f));
        return tf.math.div(v, norm);
    }

    /** The backbone (config, inputs). */
    public Backbone backbone() {
        return loaded.backbone();
    }

    /** The width of hidden states and poolings. */
    public int hiddenSize() {
        return loaded.backbone().config().hiddenSize();
    }

    /** The current value of every parameter, by graph name. */
    public Map<String, WeightTensor> weights() {
        return loaded.weights();
    }

    /** Last hidden states, {@code [batch][length][hidden]}. */
    public float[][][] sequenceOutput(Batch batch) {
        float[] flat = run(batch, loaded.backbone().sequenceOutput());
        int h = hiddenSize();
        float[][][] out = new float[batch.batchSize()][batch.length()][h];
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < batch.length(); t++) {
                System.arraycopy(flat, (b * batch.length() + t) * h, out[b][t], 0, h);
            }
        }
        return out;
    }

    /**
     * Sentence embeddings by {@code pooling}, optionally L2-normalised, {@code [batch][hidden]}.
     *
     * @throws IllegalArgumentException when the family has no such pooling, or the weights no
     *     pooler
     */
    public float[][] embeddings(Batch batch, Pooling pooling, boolean normalize) {
        Parts parts = loaded.heads();
        if (!parts.poolings().containsKey(pooling)
                || (pooling == Pooling.POOLER && !parts.hasPooler())) {
            throw new IllegalArgumentException(
                    "this model has no " + pooling.configName() + " pooling");
        }
        return rows(
                run(batch, (normalize ? parts.normalized() : parts.poolings()).get(pooling)),
                batch.batchSize());
    }

    /**
     * Mean-pooled sentence embeddings (sentence-transformers' default), {@code [batch][hidden]}.
     */
    public float[][] embeddings(Batch batch, boolean normalize) {
        return embeddings(batch, Pooling.MEAN, normalize);
    }

    /** Whether the weights included the family's pooler. */
    public boolean hasPooler() {
        return loaded.heads().hasPooler();
    }

    /** The family's pooler output, {@code [batch][hidden]}. */
    public float[][] pooledOutput(Batch batch) {
        if (!hasPooler()) {
            throw new IllegalStateException("these weights have no pooler");
        }
        return embeddings(batch, Pooling.POOLER, false);
    }

    /** Whether the weights included the masked-LM head. */
    public boolean hasMaskedLmHead() {
        return loaded.heads().maskedLm().isPresent();
    }

    /**
     * Vocabulary probabilities at the given (row, position) pairs of {@code batch}, {@code
     * [pairs][vocab]}.
     *
     * @throws IllegalStateException when the weights had no masked-LM head
     */
    public float[][] maskedLmProbabilities(Batch batch, int[][] positions) {
        MaskedLmHead head =
                loaded.heads()
                        .maskedLm()
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                "these weights have no masked-LM head"));
        int[] flatPositions = new int[positions.length * 2];
        for (int i = 0; i < positions.length; i++) {
            flatPositions[2 * i] = positions[i][0];
            flatPositions[2 * i + 1] = positions[i][1];
        }
        float[] flat;
        try (InputTensors inputs = InputTensors.of(batch);
                TInt32 pos =
                        TInt32.tensorOf(
                                Shape.of(positions.length, 2),
                                DataBuffers.of(flatPositions, true, false));
                Result r =
                        inputs.feed(loaded.session().runner(), loaded.backbone().inputs())
                                .feed(head.positions, pos)
                                .fetch(head.probabilities)
                                .run()) {
            flat = Tensors.floats((TFloat32) r.get(0));
        }
        int vocab = loaded.backbone().config().vocabSize();
        float[][] out = new float[positions.length][vocab];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(flat, i * vocab, out[i], 0, vocab);
        }
        return out;
    }

    /**
     * Exports this encoder as a TensorFlow SavedModel with a serving signature (the backbone's
     * inputs to {@code last_hidden_state} and the unit-length mean-pooled {@code embedding}), next
     * to the tokenizer files of {@code tokenizerDir} and {@code hubtune.json}. DJL loads it with
     * {@code Criteria} ({@link dev.hubtune.models.serving.EmbeddingTranslatorFactory}).
     */
    public Path exportSavedModel(Path tokenizerDir, Path out) throws ModelException {
        return SavedModelExport.write(
                loaded.session(),
                loaded.backbone().inputs(),
                Map.of(
                        "last_hidden_state",
                        loaded.backbone().sequenceOutput(),
                        "embedding",
                        loaded.heads().normalized().get(Pooling.MEAN)),
                tokenizerDir,
                loaded.backbone().config().modelType(),
                "sentence-embedding",
                out);
    }

    private float[] run(Batch batch, Operand<TFloat32> output) {
        Session session = loaded.session();
        try (InputTensors inputs = InputTensors.of(batch);
                Result r =
                        inputs.feed(session.runner(), loaded.backbone().inputs())
                                .fetch(output)
                                .run()) {
            return Tensors.floats((TFloat32) r.get(0));
        }
    }

    private float[][] rows(float[] flat, int batch) {
        int h = hiddenSize();
        float[][] out = new float[batch][h];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(flat, b * h, out[b], 0, h);
        }
        return out;
    }

    @Override
    public void close() {
        loaded.close();
    }
}
