package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.lora.LoraMerge;
import dev.hubtune.models.lora.PeftAdapter;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.ParameterStore;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A model's inference graph with its weights in a session, and the heads built on it: the one load
 * routine of every app (graph → backbone and heads → check the weights fit → session → assign).
 * Optionally with PEFT LoRA adapters over the base: the active one is merged into the weights it
 * adapts ({@link LoraMerge}: no extra products per token), and {@link #useAdapter} switches to
 * another (or back to the base) by re-assigning only the tensors the two change — the base is never
 * reloaded. Close it.
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
    private final Ops tf;
    private final Map<String, WeightTensor> base;
    private final Map<String, PeftAdapter.Resolved> adapters;
    private String active;

    private LoadedModel(
            Graph graph,
            Session session,
            PretrainedModel model,
            Backbone backbone,
            H heads,
            Ops tf,
            Map<String, WeightTensor> base,
            Map<String, PeftAdapter.Resolved> adapters,
            String active) {
        this.graph = graph;
        this.session = session;
        this.model = model;
        this.backbone = backbone;
        this.heads = heads;
        this.tf = tf;
        this.base = base;
        this.adapters = adapters;
        this.active = active;
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
            PretrainedModel model, Heads<H> heads, String what, Function<Ops, BuildContext> context)
            throws ModelException {
        return load(model, heads, what, context, ModelTask.EMBEDDING, List.of());
    }

    /**
     * Loads {@code model} with {@code heads} and LoRA {@code adapters} over it, the first active;
     * their names (directory names) must differ.
     *
     * @param task what the app does with the model: adapters are matched by the names transformers'
     *     model for it has
     * @throws ModelException when an adapter belongs to another base model
     */
    public static <H> LoadedModel<H> load(
            PretrainedModel model,
            Heads<H> heads,
            String what,
            Function<Ops, BuildContext> context,
            ModelTask task,
            List<PeftAdapter> adapters)
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
            Map<String, PeftAdapter.Resolved> resolved = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            store.parameters().forEach((n, p) -> shapes.put(n, p.shape()));
            for (PeftAdapter a : adapters) {
                if (resolved.containsKey(a.name())) {
                    throw new ModelException(
                            "two adapters are named "
                                    + a.name()
                                    + "; give directories of other names");
                }
                resolved.put(a.name(), a.resolve(withWeights.family(), task, shapes));
            }
            String first = resolved.isEmpty() ? null : resolved.keySet().iterator().next();
            if (first != null) {
                // A head only adapters have (a classifier over a bare encoder) starts from the
                // first adapter's values, also in the base state.
                resolved.get(first).saved().forEach((n, w) -> values.putIfAbsent(n, w));
            }
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
            Map<String, WeightTensor> assigned =
                    first == null ? values : LoraMerge.merge(values, resolved.get(first));
            Session session = new Session(graph);
            Variables.assign(tf, session, store.variables(), assigned);
            return new LoadedModel<>(
                    graph, session, withWeights, backbone, built, tf, values, resolved, first);
        } catch (ModelException e) {
            graph.close();
            throw e;
        } catch (RuntimeException e) {
            graph.close();
            throw new ModelException(
                    "cannot load " + what + " from " + model.name() + ": " + e.getMessage(), e);
        }
    }

    /** The names of the adapters loaded over the base, in load order. */
    public List<String> adapters() {
        return new ArrayList<>(adapters.keySet());
    }

    /** The active adapter's name, or null when the base model runs as it is. */
    public String activeAdapter() {
        return active;
    }

    /**
     * Makes adapter {@code name} active ({@code null}: none, the base model), re-assigning only the
     * weights the previous and the new adapter change.
     *
     * @throws IllegalArgumentException naming the loaded adapters when there is no such adapter
     */
    public void useAdapter(String name) {
        if (name != null && !adapters.containsKey(name)) {
            throw new IllegalArgumentException(
                    "no adapter " + name + " is loaded; loaded: " + adapters.keySet());
        }
        if (java.util.Objects.equals(name, active)) {
            return;
        }
        Map<String, WeightTensor> update = new LinkedHashMap<>();
        if (active != null) {
            for (String n : LoraMerge.changed(base, adapters.get(active)).keySet()) {
                update.put(n, base.get(n));
            }
        }
        if (name != null) {
            update.putAll(LoraMerge.changed(base, adapters.get(name)));
        }
        Map<String, Variable<TFloat32>> vars = new LinkedHashMap<>();
        Map<String, Variable<TFloat32>> all = backbone.context().parameters().variables();
        update.keySet().forEach(n -> vars.put(n, all.get(n)));
        Variables.assign(tf, session, vars, update);
        active = name;
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

    /** The current value of every parameter, by graph name (the active adapter merged in). */
    public Map<String, WeightTensor> weights() {
        return Variables.read(session, backbone.context().parameters().variables());
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
