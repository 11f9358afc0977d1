package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.ParameterStore;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * A model's inference graph with its weights in a session, and the heads built on it: the one load
 * routine of every app (graph → backbone and heads → check the weights fit → session → assign).
 * Close it.
 *
 * @param <H> what the app built on the backbone (its heads)
 */
public final class LoadedModel<H> implements AutoCloseable {

    /** Builds an app's heads on the backbone. */
    @FunctionalInterface
    public interface Heads<H> {
        /**
         * Adds the heads to {@code backbone}'s graph.
         *
         * @param weights the weights about to be assigned (to check a head is there); a head whose
         *     weights live outside the model's weights file (a sentence-transformers Dense module)
         *     adds them here
         * @param optional collects parameter names the weights may lack: those get their fresh
         *     initial values (a part the app then reports as absent) instead of failing the load
         */
        H build(Backbone backbone, Map<String, WeightTensor> weights, Set<String> optional)
                throws ModelException;
    }

    private final Graph graph;
    private final Session session;
    private final PretrainedModel model;
    private final Backbone backbone;
    private final H heads;

    private LoadedModel(
            Graph graph, Session session, PretrainedModel model, Backbone backbone, H heads) {
        this.graph = graph;
        this.session = session;
        this.model = model;
        this.backbone = backbone;
        this.heads = heads;
    }

    /**
     * Loads {@code model} (its weights read if they were not) with {@code heads}.
     *
     * @param what the model as messages should name it, e.g. "a classifier with 4 labels"
     * @throws ModelException naming every missing or misshapen parameter
     */
    public static <H> LoadedModel<H> load(PretrainedModel model, Heads<H> heads, String what)
            throws ModelException {
        return load(model, heads, what, BuildContext::inference);
    }

    /**
     * Loads {@code model} with {@code heads} into a graph of the kind {@code context} makes (e.g.
     * {@link BuildContext#serving} for an export without a key/value cache).
     */
    public static <H> LoadedModel<H> load(
            PretrainedModel model,
            Heads<H> heads,
            String what,
            java.util.function.Function<Ops, BuildContext> context)
            throws ModelException {
        PretrainedModel withWeights = model.withWeights();
        TensorFlowRuntime.load();
        Graph graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            BuildContext nn = context.apply(tf);
            Backbone backbone = withWeights.family().build(nn, withWeights.config());
            Set<String> optional = new HashSet<>();
            Map<String, WeightTensor> values = new LinkedHashMap<>(withWeights.weights());
            H built = heads.build(backbone, values, optional);
            ParameterStore store = nn.parameters();
            values.putAll(store.initialise(n -> optional.contains(n) && !values.containsKey(n), 0));
            Variables.requireFit(
                    store.variables(),
                    values,
                    what
                            + " ("
                            + withWeights.family().displayName()
                            + ", "
                            + withWeights.config()
                            + ")");
            Session session = new Session(graph);
            Variables.assign(tf, session, store.variables(), values);
            return new LoadedModel<>(graph, session, withWeights, backbone, built);
        } catch (ModelException e) {
            graph.close();
            throw e;
        } catch (RuntimeException e) {
            graph.close();
            throw new ModelException(
                    "cannot load " + what + " from " + model.name() + ": " + e.getMessage(), e);
        }
    }

    /** The session holding the weights. */
    public Session session() {
        return session;
    }

    /** The backbone. */
    public Backbone backbone() {
        return backbone;
    }

    /** The heads the app built. */
    public H heads() {
        return heads;
    }

    /** Where the model came from. */
    public PretrainedModel model() {
        return model;
    }

    /** The current value of every parameter, by graph name. */
    public Map<String, WeightTensor> weights() {
        return Variables.read(session, backbone.context().parameters().variables());
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
