package dev.hubtune.finetune;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * In-graph data parallelism: replicas ("towers") of a task's forward pass and its backprop, one per
 * device, each on its slice of every batch, all reading the same variables; their gradients are
 * summed by {@link Gradients} before the one optimizer update.
 *
 * <p>How a tower is made: the task builds its model once, as for one device (that copy stays for
 * evaluation). Its forward pass — every op the loss depends on, up to the variables and
 * placeholders — is copied into a scratch graph where variables and inputs are placeholders, the
 * tower's loss is weighted by its share of the batch there and differentiated ({@code
 * addGradients}), and the scratch graph (forward and backward) is imported into the training graph
 * under the prefix {@code tower<i>} with every op on the tower's device and its stand-ins mapped to
 * the real tensors: the variables (read once per tower, on its device), rows {@code [i·B/n,
 * (i+1)·B/n)} of every batch-major input, the shared inputs (dropout rate, class weights). Building
 * backprop in the scratch graph is what puts it on the tower's device: {@code addGradients} gives
 * its ops no device, and TensorFlow would then run every tower's backward pass where the variables
 * live.
 *
 * <p>Why the sum equals one device: a loss that is a mean over the examples (or a weighted mean,
 * {@link TrainingTask.Model#lossWeight}) of the whole batch is the sum over towers of each tower's
 * mean times its share of the total weight; the gradient is linear in it.
 */
final class Towers {

    private static final String TOTAL_WEIGHT = "hubtune_total_loss_weight";
    private static final String TOWER_LOSS = "hubtune_tower_loss";

    /** The loss of the whole batch, from the towers (what a training step reports). */
    final Operand<TFloat32> loss;

    /** Per tower, the gradients of its weighted loss, in the order of the trainable names. */
    final List<List<Operand<TFloat32>>> gradients;

    /** The device of each tower. */
    final List<DeviceSpec> devices;

    private Towers(
            Operand<TFloat32> loss,
            List<List<Operand<TFloat32>>> gradients,
            List<DeviceSpec> devices) {
        this.loss = loss;
        this.gradients = gradients;
        this.devices = devices;
    }

    /** What the forward pass of the loss is made of. */
    private enum Kind {
        FORWARD,
        VARIABLE,
        BATCH,
        SHARED
    }

    /**
     * Builds one tower per device in {@code devices}.
     *
     * @param graph the training graph holding the task's model
     * @param tf the graph's root ops (with the chief's device, if any)
     * @param model the task's model, built once as for one device
     * @param variables every variable the forward pass may read, by name
     * @param trainable the variables to differentiate, in order
     * @param devices one device per tower
     * @param dropoutSeed the dropout seed placeholder, or null; towers after the first draw other
     *     streams (the same masks on every tower's slice would correlate the towers)
     */
    static Towers build(
            Graph graph,
            Ops tf,
            TrainingTask.Model model,
            Map<String, Variable<TFloat32>> variables,
            List<String> trainable,
            List<DeviceSpec> devices,
            Operand<TInt64> dropoutSeed)
            throws FinetuneException {
        if (!model.divisible()) {
            throw new FinetuneException(
                    "this task's loss compares the examples of a batch with each other, so a batch"
                            + " cannot be split across devices; train it on one device");
        }
        GraphDef def = graph.toGraphDef();
        Map<String, NodeDef> nodes = new HashMap<>();
        for (NodeDef n : def.getNodeList()) {
            nodes.put(n.getName(), n);
        }
        Map<String, Variable<TFloat32>> variablesByOp = new HashMap<>();
        variables.values().forEach(v -> variablesByOp.put(v.op().name(), v));

        // The forward pass: everything the loss (and its weight) depends on, up to the
        // variables and placeholders.
        Map<String, Kind> kinds = new LinkedHashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        queue.add(model.loss().op().name());
        if (model.lossWeight() != null) {
            queue.add(model.lossWeight().op().name());
        }
        while (!queue.isEmpty()) {
            String name = queue.poll();
            if (kinds.containsKey(name)) {
                continue;
            }
            NodeDef n = nodes.get(name);
            Kind kind = kind(n, variablesByOp);
            kinds.put(name, kind);
            if (kind == Kind.FORWARD) {
                for (String input : n.getInputList()) {
                    queue.add(nodeName(input));
                }
            }
        }
        List<String> batchInputs = new ArrayList<>();
        kinds.forEach(
                (n, k) -> {
                    if (k == Kind.BATCH) {
                        batchInputs.add(n);
                    }
                });
        if (batchInputs.isEmpty()) {
            throw new FinetuneException(
                    "the loss reads no batch-major input (a placeholder shaped [batch, ...]);"
                            + " cannot split its batches across devices");
        }
        if (model.lossWeight() != null) {
            for (Map.Entry<String, Kind> e : kinds.entrySet()) {
                if (e.getValue() == Kind.VARIABLE
                        && reaches(nodes, model.lossWeight().op().name(), e.getKey())) {
                    throw new IllegalStateException(
                            "the loss weight must not depend on variables, but reads "
                                    + e.getKey());
                }
            }
        }

        // The scratch graph of one tower: the forward pass with placeholders standing in for what
        // the tower shares or slices, its weighted loss and that loss's gradients.
        GraphDef.Builder scratch =
                GraphDef.newBuilder().setVersions(def.getVersions()).setLibrary(def.getLibrary());
        Set<String> standIns = new LinkedHashSet<>();
        for (NodeDef n : def.getNodeList()) {
            Kind k = kinds.get(n.getName());
            if (k == null) {
                continue;
            }
            if (k == Kind.FORWARD) {
                scratch.addNode(n.toBuilder().clearDevice().removeAttr("_class"));
            } else {
                scratch.addNode(standIn(n));
                standIns.add(n.getName());
            }
        }
        // Trainable variables the loss does not read still need a stand-in to differentiate for.
        for (String name : trainable) {
            String op = variables.get(name).op().name();
            if (!kinds.containsKey(op)) {
                scratch.addNode(standIn(nodes.get(op)));
                standIns.add(op);
            }
        }
        scratch.addNode(
                NodeDef.newBuilder()
                        .setName(TOTAL_WEIGHT)
                        .setOp("Placeholder")
                        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
                        .putAttr(
                                "shape",
                                AttrValue.newBuilder()
                                        .setShape(TensorShapeProto.getDefaultInstance())
                                        .build()));
        GraphDef tower;
        List<String> gradientNames = new ArrayList<>();
        try (Graph g = new Graph()) {
            g.importGraphDef(scratch.build());
            Ops ts = Ops.create(g);
            @SuppressWarnings("unchecked")
            Operand<TFloat32> loss = (Operand<TFloat32>) g.output(model.loss().op().name());
            Operand<TFloat32> weight;
            if (model.lossWeight() != null) {
                @SuppressWarnings("unchecked")
                Operand<TFloat32> w = (Operand<TFloat32>) g.output(model.lossWeight().op().name());
                weight = w;
            } else {
                weight = rows(ts, g.output(batchInputs.get(0)));
            }
            @SuppressWarnings("unchecked")
            Operand<TFloat32> total = (Operand<TFloat32>) g.output(TOTAL_WEIGHT);
            Operand<TFloat32> zero = ts.constant(0f);
            // A tower whose slice is empty (a batch smaller than the towers) adds nothing; its
            // mean would be 0/0.
            Operand<TFloat32> share =
                    ts.math.div(weight, ts.math.maximum(total, ts.constant(Float.MIN_NORMAL)));
            Operand<TFloat32> contribution =
                    ts.withName(TOWER_LOSS)
                            .math
                            .mul(ts.select(ts.math.greater(weight, zero), loss, zero), share);
            Output<?>[] xs =
                    trainable.stream()
                            .map(n -> g.output(variables.get(n).op().name()))
                            .toArray(Output[]::new);
            Output<?>[] grads = g.addGradients(contribution.asOutput(), xs);
            for (Output<?> o : grads) {
                gradientNames.add(o == null ? null : o.op().name() + ":" + o.index());
            }
            tower = g.toGraphDef();
        }

        // Import one copy per device, mapped onto the real variables and slices of the batch.
        Operand<TFloat32> totalWeight =
                model.lossWeight() != null
                        ? model.lossWeight()
                        : rows(tf, graph.output(batchInputs.get(0)));
        List<Operand<TFloat32>> losses = new ArrayList<>();
        List<List<Operand<TFloat32>>> gradients = new ArrayList<>();
        int n = devices.size();
        for (int i = 0; i < n; i++) {
            DeviceSpec device = devices.get(i);
            Ops ti = tf.withSubScope("tower" + i + "_inputs");
            Map<String, Output<?>> inputs = new LinkedHashMap<>();
            for (String name : standIns) {
                Kind k = kinds.getOrDefault(name, Kind.VARIABLE);
                Output<?> real = graph.output(name);
                Output<?> mapped =
                        switch (k) {
                            // Read once per tower on its device: the tower's ops then never
                            // touch the variable itself, which would pin them where it lives.
                            case VARIABLE ->
                                    ti.withDevice(device)
                                            .withName("read_" + i + "_" + safe(name))
                                            .identity(real)
                                            .asOutput();
                            case BATCH -> slice(ti, real, nodes.get(name), i, n).asOutput();
                            case SHARED ->
                                    dropoutSeed != null
                                                    && name.equals(dropoutSeed.op().name())
                                                    && i > 0
                                            ? ti.math
                                                    .add(
                                                            dropoutSeed,
                                                            ti.constant(
                                                                    new long[] {0, (long) i << 44}))
                                                    .asOutput()
                                            : real;
                            case FORWARD -> throw new IllegalStateException(name);
                        };
                inputs.put(name + ":0", mapped);
            }
            inputs.put(TOTAL_WEIGHT + ":0", totalWeight.asOutput());
            GraphDef.Builder placed = tower.toBuilder();
            for (int k = 0; k < placed.getNodeCount(); k++) {
                placed.setNode(k, placed.getNode(k).toBuilder().setDevice(device.toString()));
            }
            String prefix = "tower" + i;
            NativeGraphs.importMapped(graph, placed.build(), prefix, inputs);
            @SuppressWarnings("unchecked")
            Operand<TFloat32> towerLoss =
                    (Operand<TFloat32>) graph.outputOrThrow(prefix + "/" + TOWER_LOSS);
            losses.add(towerLoss);
            List<Operand<TFloat32>> g = new ArrayList<>();
            for (String gn : gradientNames) {
                @SuppressWarnings("unchecked")
                Operand<TFloat32> o =
                        gn == null
                                ? null
                                : (Operand<TFloat32>) graph.outputOrThrow(prefix + "/" + gn);
                g.add(o);
            }
            gradients.add(java.util.Collections.unmodifiableList(g));
        }
        Operand<TFloat32> loss = tf.withName("replicated_loss").math.addN(losses);
        return new Towers(loss, List.copyOf(gradients), List.copyOf(devices));
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9_.\\-]", "_");
    }

    /** The number of rows of {@code batchMajor}, as a float. */
    private static Operand<TFloat32> rows(Ops tf, Output<?> batchMajor) {
        Operand<TInt32> shape = tf.shape(batchMajor);
        return tf.dtypes.cast(tf.gather(shape, tf.constant(0), tf.constant(0)), TFloat32.class);
    }

    /** Rows {@code [i·B/n, (i+1)·B/n)} of a batch-major input. */
    private static Operand<?> slice(Ops tf, Output<?> input, NodeDef node, int i, int n) {
        int rank = node.getAttrOrThrow("shape").getShape().getDimCount();
        Operand<TInt32> batch = tf.gather(tf.shape(input), tf.constant(0), tf.constant(0));
        Operand<TInt32> from = tf.math.div(tf.math.mul(batch, tf.constant(i)), tf.constant(n));
        Operand<TInt32> to = tf.math.div(tf.math.mul(batch, tf.constant(i + 1)), tf.constant(n));
        int[] zeros = new int[rank - 1];
        int[] all = new int[rank - 1];
        java.util.Arrays.fill(all, -1);
        Operand<TInt32> begin =
                tf.concat(
                        List.of(tf.reshape(from, tf.constant(new int[] {1})), tf.constant(zeros)),
                        tf.constant(0));
        Operand<TInt32> size =
                tf.concat(
                        List.of(
                                tf.reshape(tf.math.sub(to, from), tf.constant(new int[] {1})),
                                tf.constant(all)),
                        tf.constant(0));
        @SuppressWarnings({"unchecked", "rawtypes"})
        Operand<?> out = tf.slice((Operand) input, begin, size);
        return out;
    }

    private static Kind kind(NodeDef n, Map<String, Variable<TFloat32>> variables)
            throws FinetuneException {
        switch (n.getOp()) {
            case "VariableV2", "Variable" -> {
                if (!variables.containsKey(n.getName())) {
                    throw new IllegalStateException(
                            "the loss reads variable " + n.getName() + " the loop does not know");
                }
                return Kind.VARIABLE;
            }
            case "VarHandleOp", "ReadVariableOp" ->
                    throw new FinetuneException(
                            "data parallelism supports reference variables only; the model reads the"
                                    + " resource variable "
                                    + n.getName());
            case "Placeholder" -> {
                TensorShapeProto shape =
                        n.containsAttr("shape")
                                ? n.getAttrOrThrow("shape").getShape()
                                : TensorShapeProto.newBuilder().setUnknownRank(true).build();
                if (shape.getUnknownRank()) {
                    throw new FinetuneException(
                            "input "
                                    + n.getName()
                                    + " has no known rank, so it cannot be split across devices");
                }
                return shape.getDimCount() > 0 && shape.getDim(0).getSize() < 0
                        ? Kind.BATCH
                        : Kind.SHARED;
            }
            case "PlaceholderWithDefault" -> {
                return Kind.SHARED;
            }
            default -> {
                return Kind.FORWARD;
            }
        }
    }

    /** A placeholder standing in for a variable or input in the scratch graph. */
    private static NodeDef standIn(NodeDef n) {
        AttrValue dtype = n.getAttrOrThrow("dtype");
        AttrValue shape =
                n.containsAttr("shape")
                        ? n.getAttrOrThrow("shape")
                        : AttrValue.newBuilder()
                                .setShape(TensorShapeProto.newBuilder().setUnknownRank(true))
                                .build();
        return NodeDef.newBuilder()
                .setName(n.getName())
                .setOp("Placeholder")
                .putAttr("dtype", dtype)
                .putAttr("shape", shape)
                .build();
    }

    /** Whether {@code target} is among the ancestors of {@code from}. */
    private static boolean reaches(Map<String, NodeDef> nodes, String from, String target) {
        Set<String> seen = new java.util.HashSet<>();
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            String name = queue.poll();
            if (!seen.add(name)) {
                continue;
            }
            if (name.equals(target)) {
                return true;
            }
            NodeDef n = nodes.get(name);
            if (n != null) {
                n.getInputList().forEach(in -> queue.add(nodeName(in)));
            }
        }
        return false;
    }

    /** The node an input string ({@code name}, {@code name:1} or {@code ^name}) refers to. */
    private static String nodeName(String input) {
        String s = input.startsWith("^") ? input.substring(1) : input;
        int colon = s.lastIndexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }
}
