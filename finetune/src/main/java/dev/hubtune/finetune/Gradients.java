package dev.hubtune.finetune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The gradients of a loss with respect to the trainable variables, apart from any optimizer:
 * computed by {@code Graph.addGradients}, optionally accumulated over micro-batches, with their
 * global norm and a clipped version. This is where whatever comes between backprop and the update
 * goes — accumulation and clipping today, a cross-replica all-reduce for data parallelism.
 */
public final class Gradients {

    /** Variable names, in the order of {@link #values()}. */
    private final List<String> names;

    /** The gradient of each variable as the update sees it (the accumulator's value if any). */
    private final List<Operand<TFloat32>> values;

    /** Accumulators of gradient accumulation, in order (empty without accumulation). */
    private final List<Variable<TFloat32>> accumulators;

    /**
     * With accumulation: adds one micro-batch's gradients (divided by the micro-batch count) to the
     * accumulators; null without.
     */
    public final Op accumulate;

    /** The global L2 norm of {@link #values()} (before clipping). */
    public final Operand<TFloat32> norm;

    private Gradients(
            List<String> names,
            List<Operand<TFloat32>> values,
            List<Variable<TFloat32>> accumulators,
            Op accumulate,
            Operand<TFloat32> norm) {
        this.names = names;
        this.values = values;
        this.accumulators = accumulators;
        this.accumulate = accumulate;
        this.norm = norm;
    }

    /**
     * The gradients of {@code loss} for {@code trainable}.
     *
     * @param accumulation micro-batches per update (1: none); with k, the update sees the mean of k
     *     micro-batches' gradients, which is the gradient of the mean loss
     */
    public static Gradients of(
            Graph graph,
            Ops ops,
            Operand<TFloat32> loss,
            Map<String, Variable<TFloat32>> trainable,
            int accumulation) {
        List<String> names = new ArrayList<>(trainable.keySet());
        Output<?>[] grads =
                graph.addGradients(
                        loss.asOutput(),
                        names.stream()
                                .map(n -> trainable.get(n).asOutput())
                                .toArray(Output[]::new));
        return from(ops, names, grads, trainable, accumulation);
    }

    /**
     * The gradients of data-parallel towers, summed: each tower's are those of its share of the
     * batch's loss ({@link Towers}), so the sum is the gradient of the whole batch's loss. The sum
     * runs where {@code ops} places it (with the variables), after every tower's gradients reached
     * it: an all-reduce to one device, which then runs the one update.
     *
     * @param towers per tower, the gradients in the order of {@code trainable}
     */
    static Gradients summed(
            Ops ops,
            Map<String, Variable<TFloat32>> trainable,
            List<List<Operand<TFloat32>>> towers,
            int accumulation) {
        Ops tf = ops.withSubScope("allreduce");
        List<String> names = new ArrayList<>(trainable.keySet());
        Output<?>[] sums = new Output<?>[names.size()];
        for (int i = 0; i < names.size(); i++) {
            List<Operand<TFloat32>> parts = new ArrayList<>();
            for (List<Operand<TFloat32>> tower : towers) {
                if (tower.get(i) != null) {
                    parts.add(tower.get(i));
                }
            }
            sums[i] =
                    parts.isEmpty()
                            ? null
                            : (parts.size() == 1
                                            ? tf.identity(parts.get(0))
                                            : tf.withName(safe(names.get(i))).math.addN(parts))
                                    .asOutput();
        }
        return from(ops, names, sums, trainable, accumulation);
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9_.\\-]", "_");
    }

    private static Gradients from(
            Ops ops,
            List<String> names,
            Output<?>[] grads,
            Map<String, Variable<TFloat32>> trainable,
            int accumulation) {
        Ops tf = ops.withSubScope("adamw");
        List<Operand<TFloat32>> values = new ArrayList<>();
        List<Op> accumulateOps = new ArrayList<>();
        List<Variable<TFloat32>> accumulators = new ArrayList<>();
        Ops initScope = tf.withInitScope();
        for (int i = 0; i < grads.length; i++) {
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) grads[i];
            if (accumulation > 1) {
                Variable<TFloat32> acc =
                        tf.withName(names.get(i) + ".grad_acc")
                                .variable(initScope.zerosLike(trainable.get(names.get(i))));
                accumulators.add(acc);
                accumulateOps.add(
                        tf.assignAdd(acc, tf.math.mul(g, tf.constant(1f / accumulation))));
                values.add(acc);
            } else {
                values.add(g);
            }
        }
        Op accumulate =
                accumulation > 1
                        ? tf.withControlDependencies(accumulateOps).withName("accumulate").noOp()
                        : null;
        List<Operand<TFloat32>> squares = new ArrayList<>();
        for (Operand<TFloat32> g : values) {
            squares.add(
                    tf.reduceSum(
                            tf.math.square(g),
                            tf.range(tf.constant(0), tf.rank(g), tf.constant(1))));
        }
        Operand<TFloat32> norm = tf.withName("gradient_norm").math.sqrt(tf.math.addN(squares));
        return new Gradients(
                Collections.unmodifiableList(names),
                Collections.unmodifiableList(values),
                Collections.unmodifiableList(accumulators),
                accumulate,
                norm);
    }

    /** The variable names, in order. */
    public List<String> names() {
        return names;
    }

    /** The gradients, in the order of {@link #names()}. */
    public List<Operand<TFloat32>> values() {
        return values;
    }

    /**
     * The gradients scaled so their global norm is at most {@code maxNorm} (unchanged when it is
     * below, or when {@code maxNorm ≤ 0}), as {@code torch.nn.utils.clip_grad_norm_}.
     */
    public List<Operand<TFloat32>> clipped(Ops ops, double maxNorm) {
        if (maxNorm <= 0) {
            return values;
        }
        Ops tf = ops.withSubScope("adamw");
        Operand<TFloat32> scale =
                tf.math.div(
                        tf.constant((float) maxNorm),
                        tf.math.maximum(norm, tf.constant((float) maxNorm)));
        List<Operand<TFloat32>> out = new ArrayList<>();
        for (Operand<TFloat32> g : values) {
            out.add(tf.math.mul(g, scale));
        }
        return out;
    }

    /**
     * Ops that zero the accumulators, to run after the update that read them ({@code afterUpdate}
     * carries that ordering); empty without accumulation.
     */
    List<Op> resets(Ops afterUpdate) {
        List<Op> resets = new ArrayList<>();
        for (Variable<TFloat32> acc : accumulators) {
            resets.add(afterUpdate.assign(acc, afterUpdate.zerosLike(acc)));
        }
        return resets;
    }
}
