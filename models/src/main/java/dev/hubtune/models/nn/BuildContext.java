package dev.hubtune.models.nn;

import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What a layer needs to add itself to a graph: the ops, the {@link ParameterStore}, dropout (in
 * training graphs only: inference graphs have no dropout ops at all) and the adapter hook of linear
 * layers. One context per graph; families, heads and tasks share it.
 */
public final class BuildContext {

    private final Ops tf;
    private final ParameterStore parameters;
    private final Dropout dropout;
    private final LinearAdapter adapter;
    private final boolean keyValueCache;

    private BuildContext(
            Ops tf,
            ParameterStore parameters,
            Dropout dropout,
            LinearAdapter adapter,
            boolean keyValueCache) {
        this.tf = tf;
        this.parameters = parameters;
        this.dropout = dropout;
        this.adapter = adapter;
        this.keyValueCache = keyValueCache;
    }

    /**
     * A context for an inference graph (no dropout) in the graph of root ops {@code tf}; decoders
     * take and return a key/value cache.
     */
    public static BuildContext inference(Ops tf) {
        return new BuildContext(tf, new ParameterStore(tf), null, LinearAdapter.IDENTITY, true);
    }

    /**
     * A context for a serving graph: inference without a key/value cache, so the inputs are exactly
     * the token ids (and masks) a serving signature takes.
     */
    public static BuildContext serving(Ops tf) {
        return new BuildContext(tf, new ParameterStore(tf), null, LinearAdapter.IDENTITY, false);
    }

    /** A context for a training graph: dropout sites controlled by fed rate and seed, no cache. */
    public static BuildContext training(Ops tf) {
        return new BuildContext(
                tf, new ParameterStore(tf), Dropout.create(tf), LinearAdapter.IDENTITY, false);
    }

    /** The same graph and parameters with {@code adapter} on every linear layer built from now. */
    public BuildContext withAdapter(LinearAdapter adapter) {
        return new BuildContext(
                tf, parameters, dropout, Objects.requireNonNull(adapter), keyValueCache);
    }

    /** Whether decoders built in this context take and return a key/value cache. */
    public boolean keyValueCache() {
        return keyValueCache;
    }

    /** The graph's root ops. */
    public Ops ops() {
        return tf;
    }

    /** The parameters of this graph. */
    public ParameterStore parameters() {
        return parameters;
    }

    /** Whether this is a training graph (dropout present). */
    public boolean training() {
        return dropout != null;
    }

    /**
     * Whether gradients will be taken through this graph: training graphs only. Layers of the other
     * graphs may use kernels that have no registered gradient (the fused {@code BlockLSTMV2}).
     */
    public boolean differentiable() {
        return training();
    }

    /** The dropout placeholders of a training graph, or null in inference graphs. */
    public Dropout dropoutControl() {
        return dropout;
    }

    /** Dropout at a site of the training graph; the identity in inference graphs. */
    public Operand<TFloat32> dropout(Operand<TFloat32> x) {
        return dropout == null ? x : dropout.apply(x);
    }

    /** The hook of linear layers. */
    public LinearAdapter adapter() {
        return adapter;
    }
}
