package dev.hubtune.models.nn;

import dev.hubtune.models.weights.WeightTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.AssertThat;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.core.Unstack;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.BlockLSTM;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The recurrent stack behind {@link Lstm} and {@link Gru}.
 *
 * <p>An LSTM in an inference graph (or with {@link RecurrentSpec.Kernel#FUSED}) runs TensorFlow's
 * fused {@code BlockLSTMV2} kernel: one op per layer and direction that loops over the time steps
 * inside, and only over as many as the batch's longest sequence, however long the static input is.
 * TensorFlow's C++ gradient registry has no gradient for it, so {@link BlockLstmGradient} wires its
 * backward kernel ({@code BlockLSTMGradV2}) in by hand for fused training. Its gates are i, c, f, o
 * in Keras's i, f, c, o column blocks — the V2 kernel reads that layout as is. The backward
 * direction runs over each sequence reversed within its own length, which needs right padding (each
 * mask row ones, then zeros, as hubtune's tokenizers produce); a graph run with another mask fails
 * with a message instead of giving other numbers.
 *
 * <p>A GRU, and an LSTM in a training graph (or {@link RecurrentSpec.Kernel#UNROLLED}), repeats the
 * cell once per time step with MatMul, Split, Sigmoid, Tanh, Mul and Add only, which all have
 * gradients; the number of steps is the input's static length. No fused kernel has this GRU's
 * semantics: {@code GRUBlockCell} applies the reset gate before the recurrent matmul, Keras's
 * {@code reset_after=True} and PyTorch after it.
 */
final class RecurrentStack {

    private final BuildContext context;
    private final String module;
    private final RecurrentCell cell;
    private final RecurrentSpec spec;
    // [layer][direction] → kernel [in, G·u], recurrent kernel [u, G·u], bias [G·u] or [2, G·u].
    private final Variable<TFloat32>[][] kernels;
    private final Variable<TFloat32>[][] recurrentKernels;
    private final Variable<TFloat32>[][] biases;

    @SuppressWarnings("unchecked")
    RecurrentStack(BuildContext context, String module, RecurrentCell cell, RecurrentSpec spec) {
        if (module == null || module.isEmpty()) {
            throw new IllegalArgumentException(
                    "a recurrent layer needs a module name (its parameters are <module>.l0.kernel …)");
        }
        this.context = context;
        this.module = module;
        this.cell = cell;
        this.spec = spec;
        int layers = spec.layers();
        int directions = spec.directions();
        kernels = new Variable[layers][directions];
        recurrentKernels = new Variable[layers][directions];
        biases = new Variable[layers][directions];
        int width = cell.gates() * spec.units();
        ParameterStore p = context.parameters();
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? spec.inputSize() : spec.outputSize();
            for (int d = 0; d < directions; d++) {
                String prefix = prefix(module, l, d == 1);
                kernels[l][d] =
                        p.get(
                                prefix + ".kernel",
                                ParameterKind.WEIGHT,
                                RecurrentStack::glorotUniform,
                                in,
                                width);
                recurrentKernels[l][d] =
                        p.get(
                                prefix + ".recurrent_kernel",
                                ParameterKind.WEIGHT,
                                RecurrentStack::orthogonal,
                                spec.units(),
                                width);
                biases[l][d] =
                        cell == RecurrentCell.LSTM
                                ? p.get(
                                        prefix + ".bias",
                                        ParameterKind.BIAS,
                                        RecurrentStack::unitForgetBias,
                                        width)
                                : p.get(
                                        prefix + ".bias",
                                        ParameterKind.BIAS,
                                        Initializer.zeros(),
                                        2,
                                        width);
            }
        }
    }

    /** {@code <module>.l<layer>} or {@code <module>.l<layer>_reverse}: PyTorch's suffixes. */
    static String prefix(String module, int layer, boolean reverse) {
        return module + ".l" + layer + (reverse ? "_reverse" : "");
    }

    RecurrentSpec spec() {
        return spec;
    }

    String module() {
        return module;
    }

    RecurrentOutput apply(Operand<TFloat32> x, Operand<TFloat32> mask, RecurrentState initial) {
        Ops tf = context.ops();
        long[] shape = x.shape().asArray();
        if (shape.length != 3) {
            throw new IllegalArgumentException(
                    module
                            + ": the input must be [batch, steps, features], got rank "
                            + shape.length);
        }
        if (shape[1] < 1) {
            throw new IllegalArgumentException(
                    module
                            + ": the number of steps must be static to unroll the recurrence"
                            + " (give the input a shape like [-1, 32, "
                            + spec.inputSize()
                            + "]: one graph per length bucket)");
        }
        if (shape[2] >= 0 && shape[2] != spec.inputSize()) {
            throw new IllegalArgumentException(
                    module
                            + ": input features are "
                            + shape[2]
                            + ", the spec says "
                            + spec.inputSize());
        }
        int steps = (int) shape[1];
        int states = spec.layers() * spec.directions();
        boolean fused =
                cell == RecurrentCell.LSTM
                        && (spec.kernel() == RecurrentSpec.Kernel.FUSED
                                || (spec.kernel() == RecurrentSpec.Kernel.AUTO
                                        && !context.differentiable()));
        if (fused) {
            // any graph with the kernel can be differentiated, inference ones included
            BlockLstmGradient.register();
        }
        if (initial != null) {
            if (initial.hidden().size() != states
                    || initial.cell().size() != (cell.hasCellState() ? states : 0)) {
                throw new IllegalArgumentException(
                        module
                                + ": initial states must hold "
                                + states
                                + " hidden"
                                + (cell.hasCellState() ? " and " + states + " cell" : "")
                                + " tensors (layers × directions), got "
                                + initial.hidden().size()
                                + " and "
                                + initial.cell().size());
            }
        }
        if (fused) {
            return new FusedLstm(tf, x, mask, steps).apply(x, initial);
        }
        // Per-step masks [B, 1]: keep = 1 at real tokens, 0 at padding. A padded step then leaves
        // the state exactly as it was (keep·new + (1 − keep)·old is exact for keep ∈ {0, 1}), so a
        // forward pass ends at each sequence's own last token, and the backward pass, which meets
        // the right padding first, starts from its initial state at that last token.
        List<Operand<TFloat32>> keep = null;
        List<Operand<TFloat32>> hold = null;
        if (mask != null) {
            keep =
                    outputs(
                            tf.unstack(
                                    tf.expandDims(mask, tf.constant(-1)),
                                    (long) steps,
                                    Unstack.axis(1L)));
            hold = new ArrayList<>(steps);
            for (Operand<TFloat32> k : keep) {
                hold.add(tf.math.sub(tf.constant(1f), k));
            }
        }
        Operand<TInt32> stateShape = stateShape(tf, batchSize(tf, x));
        Operand<TFloat32> input = x;
        List<Operand<TFloat32>> finalHidden = new ArrayList<>();
        List<Operand<TFloat32>> finalCell = new ArrayList<>();
        List<Operand<TFloat32>> last = new ArrayList<>();
        Operand<TFloat32> sequences = null;
        for (int l = 0; l < spec.layers(); l++) {
            if (l > 0 && spec.dropoutBetweenLayers()) {
                input = context.dropout(input);
            }
            int in = l == 0 ? spec.inputSize() : spec.outputSize();
            List<List<Operand<TFloat32>>> perDirection = new ArrayList<>();
            for (int d = 0; d < spec.directions(); d++) {
                int index = l * spec.directions() + d;
                Operand<TFloat32> h0 = start(tf, initial, true, index, stateShape);
                Operand<TFloat32> c0 =
                        cell.hasCellState() ? start(tf, initial, false, index, stateShape) : null;
                Direction run = direction(tf, input, in, steps, l, d, h0, c0, keep, hold);
                perDirection.add(run.outputs);
                finalHidden.add(run.h);
                if (run.c != null) {
                    finalCell.add(run.c);
                }
                if (l == spec.layers() - 1) {
                    last.add(run.h);
                }
            }
            List<Operand<TFloat32>> merged = new ArrayList<>(steps);
            for (int t = 0; t < steps; t++) {
                if (spec.directions() == 1) {
                    merged.add(perDirection.get(0).get(t));
                } else {
                    merged.add(
                            tf.concat(
                                    List.of(perDirection.get(0).get(t), perDirection.get(1).get(t)),
                                    tf.constant(-1)));
                }
            }
            input = tf.stack(merged, Stack.axis(1L));
            sequences = input;
        }
        Operand<TFloat32> lastState =
                last.size() == 1 ? last.get(0) : tf.concat(last, tf.constant(-1));
        return new RecurrentOutput(
                sequences,
                lastState,
                new RecurrentState(finalHidden, finalCell),
                spec.returnSequences());
    }

    /**
     * The stack on the fused {@code BlockLSTMV2} kernel, time-major inside. Equal to the unrolled
     * stack for right-padded masks: each sequence's final state is the kernel's state at its own
     * last token, padded outputs are zeroed, and the backward direction runs over the sequence
     * reversed within its length, which starts it at that last token. The reversal and the final
     * states are row gathers from the flattened {@code [L·B, …]} tensor (GatherV2, whose gradient
     * TensorFlow's C++ registry has; ReverseSequence and GatherNd have none).
     */
    private final class FusedLstm {
        private final Ops tf;
        private final Operand<TFloat32> mask; // [B, L] or null
        private final Operand<TInt32> lengths; // [B]
        private final Operand<TInt64> longest; // scalar: the steps the kernel runs
        private final Operand<TInt32> batch;
        private final Operand<TInt32> reversal; // [L, B] rows of the reversed sequences
        private final Operand<TInt32> lastRows; // [B] rows of each sequence's last token

        FusedLstm(Ops tf, Operand<TFloat32> x, Operand<TFloat32> mask, int steps) {
            this.tf = tf;
            this.batch = batchSize(tf, x);
            if (mask == null) {
                this.mask = null;
                this.lengths = tf.fill(tf.expandDims(batch, tf.constant(0)), tf.constant(steps));
            } else {
                // Right padding means every row is non-increasing: 1…1 0…0.
                Operand<TFloat32> head =
                        tf.slice(
                                mask,
                                tf.constant(new int[] {0, 0}),
                                tf.constant(new int[] {-1, steps - 1}));
                Operand<TFloat32> tail =
                        tf.slice(
                                mask,
                                tf.constant(new int[] {0, 1}),
                                tf.constant(new int[] {-1, steps - 1}));
                AssertThat rightPadded =
                        tf.assertThat(
                                tf.reduceAll(
                                        tf.math.greaterEqual(head, tail),
                                        tf.constant(new int[] {0, 1})),
                                List.of(
                                        tf.constant(
                                                module
                                                        + ": the fused LSTM kernel needs"
                                                        + " right-padded masks (ones, then"
                                                        + " zeros); unroll it"
                                                        + " (RecurrentSpec.optKernel(UNROLLED))"
                                                        + " for other masks")));
                this.mask = tf.withControlDependencies(rightPadded).identity(mask);
                this.lengths =
                        tf.dtypes.cast(tf.reduceSum(this.mask, tf.constant(1)), TInt32.class);
            }
            // at least 0: the max of an empty batch's lengths is INT32_MIN, a step count the
            // kernel would slice with
            this.longest =
                    tf.dtypes.cast(
                            tf.math.maximum(tf.max(lengths, tf.constant(0)), tf.constant(0)),
                            TInt64.class);
            // row of (t, b) in [L·B, …] is t·B + b; reversed within the length: t → len − 1 − t
            Operand<TInt32> t =
                    tf.expandDims(
                            tf.range(tf.constant(0), tf.constant(steps), tf.constant(1)),
                            tf.constant(1));
            Operand<TInt32> b = tf.range(tf.constant(0), batch, tf.constant(1));
            Operand<TInt32> len = tf.expandDims(lengths, tf.constant(0));
            Operand<TInt32> source =
                    tf.select(
                            tf.math.less(t, len),
                            tf.math.sub(tf.math.sub(len, tf.constant(1)), t),
                            tf.math.mul(t, tf.onesLike(len)));
            this.reversal = tf.math.add(tf.math.mul(source, batch), b);
            this.lastRows =
                    tf.math.add(
                            tf.math.mul(
                                    tf.math.maximum(
                                            tf.math.sub(lengths, tf.constant(1)), tf.constant(0)),
                                    batch),
                            b);
        }

        RecurrentOutput apply(Operand<TFloat32> x, RecurrentState initial) {
            Operand<TInt32> stateShape = stateShape(tf, batch);
            Operand<TFloat32> noPeephole =
                    tf.zeros(tf.constant(new int[] {spec.units()}), TFloat32.class);
            Operand<TInt32> timeMajor = tf.constant(new int[] {1, 0, 2});
            // [L, B, 1]: zeroes the outputs of padded steps, as the unrolled stack does
            Operand<TFloat32> keep =
                    mask == null
                            ? null
                            : tf.expandDims(
                                    tf.linalg.transpose(mask, tf.constant(new int[] {1, 0})),
                                    tf.constant(-1));
            // an empty sequence keeps its initial state
            Operand<TBool> empty =
                    tf.expandDims(tf.math.equal(lengths, tf.constant(0)), tf.constant(-1));
            Operand<TFloat32> input = tf.linalg.transpose(x, timeMajor);
            List<Operand<TFloat32>> finalHidden = new ArrayList<>();
            List<Operand<TFloat32>> finalCell = new ArrayList<>();
            List<Operand<TFloat32>> last = new ArrayList<>();
            for (int l = 0; l < spec.layers(); l++) {
                if (l > 0 && spec.dropoutBetweenLayers()) {
                    input = context.dropout(input);
                }
                int in = l == 0 ? spec.inputSize() : spec.outputSize();
                List<Operand<TFloat32>> perDirection = new ArrayList<>();
                for (int d = 0; d < spec.directions(); d++) {
                    int index = l * spec.directions() + d;
                    Operand<TFloat32> h0 = start(tf, initial, true, index, stateShape);
                    Operand<TFloat32> c0 = start(tf, initial, false, index, stateShape);
                    Operand<TFloat32> seq = d == 0 ? input : rows(input, reversal, in);
                    // [x, h]·[W; U]: the kernel's one matmul per step over both inputs
                    Operand<TFloat32> w =
                            tf.concat(
                                    List.of(kernels[l][d], recurrentKernels[l][d]), tf.constant(0));
                    BlockLSTM<TFloat32> run =
                            tf.nn.blockLSTM(
                                    longest,
                                    seq,
                                    c0,
                                    h0,
                                    w,
                                    noPeephole,
                                    noPeephole,
                                    noPeephole,
                                    biases[l][d]);
                    int u = spec.units();
                    Operand<TFloat32> h = tf.select(empty, h0, rows(run.h(), lastRows, u));
                    Operand<TFloat32> c = tf.select(empty, c0, rows(run.cs(), lastRows, u));
                    Operand<TFloat32> out = d == 0 ? run.h() : rows(run.h(), reversal, u);
                    perDirection.add(keep == null ? out : tf.math.mul(out, keep));
                    finalHidden.add(h);
                    finalCell.add(c);
                    if (l == spec.layers() - 1) {
                        last.add(h);
                    }
                }
                input =
                        perDirection.size() == 1
                                ? perDirection.get(0)
                                : tf.concat(perDirection, tf.constant(-1));
            }
            Operand<TFloat32> lastState =
                    last.size() == 1 ? last.get(0) : tf.concat(last, tf.constant(-1));
            return new RecurrentOutput(
                    tf.linalg.transpose(input, timeMajor),
                    lastState,
                    new RecurrentState(finalHidden, finalCell),
                    spec.returnSequences());
        }

        /** Rows {@code index} (any shape) of a time-major {@code [L, B, width]} tensor. */
        private Operand<TFloat32> rows(
                Operand<TFloat32> timeMajor, Operand<TInt32> index, int width) {
            return tf.gather(
                    tf.reshape(timeMajor, tf.constant(new int[] {-1, width})),
                    index,
                    tf.constant(0));
        }
    }

    /** The batch size of {@code x [B, …]}, a scalar. */
    private static Operand<TInt32> batchSize(Ops tf, Operand<TFloat32> x) {
        return tf.reshape(
                tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1})),
                tf.constant(new int[0]));
    }

    /** {@code [B, units]}: the shape of one state. */
    private Operand<TInt32> stateShape(Ops tf, Operand<TInt32> batch) {
        return tf.stack(List.of(batch, tf.constant(spec.units())));
    }

    /** The initial hidden (or cell) state of layer-direction {@code index}: given, else zeros. */
    private static Operand<TFloat32> start(
            Ops tf, RecurrentState initial, boolean hidden, int index, Operand<TInt32> shape) {
        if (initial == null) {
            return tf.zeros(shape, TFloat32.class);
        }
        return (hidden ? initial.hidden() : initial.cell()).get(index);
    }

    private record Direction(
            List<Operand<TFloat32>> outputs, Operand<TFloat32> h, Operand<TFloat32> c) {}

    private Direction direction(
            Ops tf,
            Operand<TFloat32> input,
            int in,
            int steps,
            int layer,
            int d,
            Operand<TFloat32> h,
            Operand<TFloat32> c,
            List<Operand<TFloat32>> keep,
            List<Operand<TFloat32>> hold) {
        int units = spec.units();
        int width = cell.gates() * units;
        Variable<TFloat32> kernel = kernels[layer][d];
        Variable<TFloat32> recurrent = recurrentKernels[layer][d];
        Operand<TFloat32> inputBias;
        Operand<TFloat32> recurrentBias = null;
        if (cell == RecurrentCell.LSTM) {
            inputBias = biases[layer][d];
        } else {
            // reset_after GRU: bias[0] is added to x·W, bias[1] to h·U before the reset gate
            // multiplies it (Keras's reset_after=True, PyTorch's b_hn inside r ⊙ (…)).
            List<Operand<TFloat32>> b = outputs(tf.unstack(biases[layer][d], 2L));
            inputBias = b.get(0);
            recurrentBias = b.get(1);
        }
        // The input projection of every step at once: one [B·L, in]·[in, G·u] MatMul instead of L
        // small ones; only h·U stays inside the recurrence.
        Operand<TFloat32> projected =
                tf.nn.biasAdd(
                        tf.linalg.matMul(
                                tf.reshape(input, tf.constant(new int[] {-1, in})), kernel),
                        inputBias);
        List<Operand<TFloat32>> perStep =
                outputs(
                        tf.unstack(
                                tf.reshape(projected, tf.constant(new int[] {-1, steps, width})),
                                (long) steps,
                                Unstack.axis(1L)));
        List<Operand<TFloat32>> outputs = new ArrayList<>(steps);
        for (int t = 0; t < steps; t++) {
            outputs.add(null);
        }
        for (int s = 0; s < steps; s++) {
            int t = d == 0 ? s : steps - 1 - s;
            Operand<TFloat32> hNew;
            Operand<TFloat32> cNew = null;
            if (cell == RecurrentCell.LSTM) {
                Operand<TFloat32> z = tf.math.add(perStep.get(t), tf.linalg.matMul(h, recurrent));
                // Gate blocks i, f, c (PyTorch's g), o.
                List<Operand<TFloat32>> g = outputs(tf.split(tf.constant(1), z, 4L));
                Operand<TFloat32> i = tf.math.sigmoid(g.get(0));
                Operand<TFloat32> f = tf.math.sigmoid(g.get(1));
                Operand<TFloat32> candidate = tf.math.tanh(g.get(2));
                Operand<TFloat32> o = tf.math.sigmoid(g.get(3));
                cNew = tf.math.add(tf.math.mul(f, c), tf.math.mul(i, candidate));
                hNew = tf.math.mul(o, tf.math.tanh(cNew));
            } else {
                // Gate blocks z (update), r (reset), h (candidate).
                List<Operand<TFloat32>> xg = outputs(tf.split(tf.constant(1), perStep.get(t), 3L));
                Operand<TFloat32> inner =
                        tf.nn.biasAdd(tf.linalg.matMul(h, recurrent), recurrentBias);
                List<Operand<TFloat32>> hg = outputs(tf.split(tf.constant(1), inner, 3L));
                Operand<TFloat32> z = tf.math.sigmoid(tf.math.add(xg.get(0), hg.get(0)));
                Operand<TFloat32> r = tf.math.sigmoid(tf.math.add(xg.get(1), hg.get(1)));
                Operand<TFloat32> candidate =
                        tf.math.tanh(tf.math.add(xg.get(2), tf.math.mul(r, hg.get(2))));
                // h' = z·h + (1 − z)·n, the same in Keras and PyTorch.
                hNew =
                        tf.math.add(
                                tf.math.mul(z, h),
                                tf.math.mul(tf.math.sub(tf.constant(1f), z), candidate));
            }
            if (keep == null) {
                outputs.set(t, hNew);
                h = hNew;
                c = cNew;
            } else {
                Operand<TFloat32> k = keep.get(t);
                Operand<TFloat32> o = hold.get(t);
                outputs.set(t, tf.math.mul(k, hNew));
                h = tf.math.add(tf.math.mul(k, hNew), tf.math.mul(o, h));
                if (cNew != null) {
                    c = tf.math.add(tf.math.mul(k, cNew), tf.math.mul(o, c));
                }
            }
        }
        return new Direction(outputs, h, c);
    }

    private static <T extends org.tensorflow.types.family.TType> List<Operand<T>> outputs(
            Iterable<Operand<T>> op) {
        List<Operand<T>> out = new ArrayList<>();
        op.forEach(out::add);
        return out;
    }

    // Keras's initializers for LSTM/GRU: glorot-uniform kernels, orthogonal recurrent kernels,
    // zero biases with the LSTM forget gate's block at 1 (unit_forget_bias: the cell remembers by
    // default, which is what lets gradients through long sequences early in training).

    static WeightTensor glorotUniform(Random random, long[] shape) {
        int n = Math.toIntExact(shape[0] * shape[1]);
        double limit = Math.sqrt(6.0 / (shape[0] + shape[1]));
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return new WeightTensor(shape.clone(), data);
    }

    /** Rows orthonormal ([u, G·u] with u ≤ G·u), by modified Gram–Schmidt on normal draws. */
    static WeightTensor orthogonal(Random random, long[] shape) {
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        double[][] q = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                q[r][j] = random.nextGaussian();
            }
            for (int p = 0; p < r; p++) {
                double dot = 0;
                for (int j = 0; j < cols; j++) {
                    dot += q[r][j] * q[p][j];
                }
                for (int j = 0; j < cols; j++) {
                    q[r][j] -= dot * q[p][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < cols; j++) {
                norm += q[r][j] * q[r][j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < cols; j++) {
                q[r][j] /= norm;
            }
        }
        float[] data = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                data[r * cols + j] = (float) q[r][j];
            }
        }
        return new WeightTensor(shape.clone(), data);
    }

    static WeightTensor unitForgetBias(Random random, long[] shape) {
        int width = Math.toIntExact(shape[0]);
        float[] data = new float[width];
        int units = width / 4;
        java.util.Arrays.fill(data, units, 2 * units, 1f);
        return new WeightTensor(shape.clone(), data);
    }
}
