package dev.hubtune.models.nn;

import dev.hubtune.models.weights.WeightTensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The parameters of one graph, by name, in creation order. A parameter asked for twice is the same
 * variable (tied embeddings, a second head on the same encoder); asking with another shape is a bug
 * and fails at once. The store is what importers fill, checkpoints read, the optimizer walks and
 * exporters write: one place for names, shapes, trainability and weight decay.
 */
public final class ParameterStore {

    private final Ops root;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    /**
     * A store whose variables go into the graph of {@code tf}; pass the graph's root {@code Ops},
     * so variables carry exactly their parameter names.
     */
    public ParameterStore(Ops tf) {
        this.root = tf;
    }

    /**
     * The parameter {@code name}, created on first use with {@code shape}.
     *
     * @throws IllegalStateException when it exists with another shape or kind
     */
    public Variable<TFloat32> get(
            String name, ParameterKind kind, Initializer initializer, long... shape) {
        Parameter p = parameters.get(name);
        if (p != null) {
            if (!Arrays.equals(p.shape(), shape) || p.kind() != kind) {
                throw new IllegalStateException(
                        "parameter "
                                + name
                                + " was declared as "
                                + p.kind()
                                + " "
                                + Arrays.toString(p.shape())
                                + " and is asked for as "
                                + kind
                                + " "
                                + Arrays.toString(shape));
            }
            return p.variable();
        }
        Variable<TFloat32> v = root.withName(name).variable(Shape.of(shape), TFloat32.class);
        parameters.put(name, new Parameter(name, v, kind, initializer, true));
        return v;
    }

    /** Whether {@code name} exists. */
    public boolean contains(String name) {
        return parameters.containsKey(name);
    }

    /** The parameter {@code name}, or null. */
    public Parameter parameter(String name) {
        return parameters.get(name);
    }

    /** Every parameter, in creation order. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Every variable by name, in creation order. */
    public Map<String, Variable<TFloat32>> variables() {
        Map<String, Variable<TFloat32>> out = new LinkedHashMap<>();
        parameters.forEach((n, p) -> out.put(n, p.variable()));
        return out;
    }

    /** The variables the optimizer updates, in creation order. */
    public Map<String, Variable<TFloat32>> trainable() {
        Map<String, Variable<TFloat32>> out = new LinkedHashMap<>();
        parameters.forEach(
                (n, p) -> {
                    if (p.trainable()) {
                        out.put(n, p.variable());
                    }
                });
        return out;
    }

    /** Marks the parameters {@code which} selects as not trainable (e.g. a frozen encoder). */
    public void freeze(Predicate<String> which) {
        parameters.replaceAll(
                (n, p) ->
                        which.test(n)
                                ? new Parameter(n, p.variable(), p.kind(), p.initializer(), false)
                                : p);
    }

    /** Whether weight decay applies to {@code name}. */
    public boolean decays(String name) {
        Parameter p = parameters.get(name);
        return p != null && p.decays();
    }

    /**
     * Fresh values of the parameters {@code which} selects, from their initializers, drawn in
     * creation order from one generator seeded with {@code seed}: the same seed gives the same
     * values.
     */
    public Map<String, WeightTensor> initialise(Predicate<String> which, long seed) {
        Random random = new Random(seed);
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        parameters.forEach(
                (n, p) -> {
                    if (which.test(n)) {
                        out.put(n, p.initializer().create(random, p.shape()));
                    }
                });
        return out;
    }
}
