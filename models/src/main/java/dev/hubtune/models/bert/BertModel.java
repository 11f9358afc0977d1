package dev.hubtune.models.bert;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A BERT encoder with its weights, ready for inference: hidden states and sentence embeddings for
 * batches from the tokenizers module. Owns a TensorFlow graph and session; close it.
 */
public final class BertModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BertModel.class);

    private final Graph graph;
    private final Session session;
    private final BertGraph bert;
    private final MaskedLmHead maskedLm;

    private BertModel(Graph graph, Session session, BertGraph bert, MaskedLmHead maskedLm) {
        this.graph = graph;
        this.session = session;
        this.bert = bert;
        this.maskedLm = maskedLm;
    }

    /**
     * Builds the graph for {@code config} and loads {@code weights} (HF names, kernels [in, out]).
     *
     * <p>The pooler and the masked-LM head are part of the graph when the weights have them ({@code
     * pooler.dense.*}, {@code cls.predictions.*}).
     *
     * @throws ModelException when a parameter is missing or has the wrong shape; weights the graph
     *     does not use (e.g. a task head) are reported in the log, as HF does
     */
    public static BertModel load(BertConfig config, Map<String, WeightTensor> weights)
            throws ModelException {
        TensorFlowRuntime.load();
        Graph graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            BertGraph bert = BertGraph.build(tf, config);
            if (weights.containsKey("pooler.dense.weight")) {
                bert.pooled();
            }
            MaskedLmHead maskedLm =
                    weights.containsKey("cls.predictions.transform.dense.weight")
                            ? MaskedLmHead.build(bert)
                            : null;
            Variables.requireFit(bert.variables(), weights, "the BERT config " + config);
            Session session = new Session(graph);
            Variables.assign(tf, session, bert.variables(), weights);
            return new BertModel(graph, session, bert, maskedLm);
        } catch (ModelException | RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** The current value of every parameter, by HF name, kernels [in, out]. */
    public Map<String, WeightTensor> weights() {
        return Variables.read(session, bert.variables());
    }

    /** Writes this graph and its variables as a SavedModel with the serving signature. */
    void exportSavedModel(java.nio.file.Path dir) {
        BertExport.writeSavedModel(
                session,
                bert,
                Map.of(
                        "last_hidden_state",
                        bert.sequenceOutput,
                        "embedding",
                        bert.normalizedEmbedding),
                dir);
    }

    /** The graph's handles (for export and training). */
    public BertGraph graph() {
        return bert;
    }

    /** Last hidden states, {@code [batch][length][hidden]}. */
    public float[][][] sequenceOutput(Batch batch) {
        float[] flat = run(batch, bert.sequenceOutput);
        int h = bert.config().hiddenSize();
        float[][][] out = new float[batch.batchSize()][batch.length()][h];
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < batch.length(); t++) {
                System.arraycopy(flat, (b * batch.length() + t) * h, out[b][t], 0, h);
            }
        }
        return out;
    }

    /**
     * Sentence embeddings by masked mean pooling, optionally L2-normalised, {@code
     * [batch][hidden]}.
     */
    public float[][] embeddings(Batch batch, boolean normalize) {
        float[] flat = run(batch, normalize ? bert.normalizedEmbedding : bert.meanPooled);
        int h = bert.config().hiddenSize();
        float[][] out = new float[batch.batchSize()][h];
        for (int b = 0; b < out.length; b++) {
            System.arraycopy(flat, b * h, out[b], 0, h);
        }
        return out;
    }

    /** Whether the weights included the masked-LM head. */
    public boolean hasMaskedLmHead() {
        return maskedLm != null;
    }

    /** Whether the weights included the pooler. */
    public boolean hasPooler() {
        return bert.variables().containsKey("pooler.dense.weight");
    }

    /**
     * The pooler output (tanh of a dense layer on the first token), {@code [batch][hidden]}.
     *
     * @throws IllegalStateException when the weights had no pooler
     */
    public float[][] pooledOutput(Batch batch) {
        if (!hasPooler()) {
            throw new IllegalStateException("these weights have no pooler (pooler.dense.*)");
        }
        float[] flat = run(batch, bert.pooled());
        int h = bert.config().hiddenSize();
        float[][] out = new float[batch.batchSize()][h];
        for (int b = 0; b < out.length; b++) {
            System.arraycopy(flat, b * h, out[b], 0, h);
        }
        return out;
    }

    /**
     * Vocabulary probabilities at the given (row, position) pairs of {@code batch}, {@code
     * [pairs][vocab]}.
     *
     * @throws IllegalStateException when the weights had no masked-LM head
     */
    public float[][] maskedLmProbabilities(Batch batch, int[][] positions) {
        if (maskedLm == null) {
            throw new IllegalStateException(
                    "these weights have no masked-LM head (cls.predictions.*)");
        }
        int[] flatPositions = new int[positions.length * 2];
        for (int i = 0; i < positions.length; i++) {
            flatPositions[2 * i] = positions[i][0];
            flatPositions[2 * i + 1] = positions[i][1];
        }
        float[] flat;
        try (BertInputs inputs = BertInputs.of(batch);
                TInt32 pos =
                        TInt32.tensorOf(
                                Shape.of(positions.length, 2),
                                DataBuffers.of(flatPositions, true, false));
                Result r =
                        inputs.feed(session.runner(), bert)
                                .feed(maskedLm.positions, pos)
                                .fetch(maskedLm.probabilities)
                                .run()) {
            flat = Tensors.floats((TFloat32) r.get(0));
        }
        int vocab = bert.config().vocabSize();
        float[][] out = new float[positions.length][vocab];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(flat, i * vocab, out[i], 0, vocab);
        }
        return out;
    }

    private float[] run(Batch batch, Operand<TFloat32> output) {
        try (BertInputs inputs = BertInputs.of(batch);
                Result r = inputs.feed(session.runner(), bert).fetch(output).run()) {
            return Tensors.floats((TFloat32) r.get(0));
        }
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
