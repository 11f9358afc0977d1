package dev.hubtune.models.lora;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Initializer;
import dev.hubtune.models.nn.LinearAdapter;
import dev.hubtune.models.nn.ParameterKind;
import dev.hubtune.models.nn.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * LoRA in a graph: on every {@link dev.hubtune.models.nn.Linear} whose module name the config
 * targets, adds {@code scale·(dropout(x)·A)·B} to the layer's output, creating {@code
 * <module>.lora_A.weight [in, r]} (Kaiming-uniform, as PEFT: uniform(±1/√in)) and {@code
 * <module>.lora_B.weight [r, out]} (zeros, so the adapted model starts as the base model) in the
 * adapter's own {@link #parameters() store}, beside the model's. Install it with {@link
 * BuildContext#withAdapter} before the backbone is built; afterwards {@link #requireTargetsFound}
 * refuses target names that matched no layer.
 *
 * <p>One adapter per graph. The layout is the graph's {@code [in, out]} whatever the checkpoint's:
 * GPT-2's Conv1D ({@code fan_in_fan_out}) and {@code nn.Linear} layers are adapted alike, and only
 * import and export ({@link PeftAdapter}) know PyTorch's layouts.
 */
public final class LoraAdapter implements LinearAdapter {

    /** The suffix of a module's A parameter. */
    public static final String A = ".lora_A.weight";

    /** The suffix of a module's B parameter. */
    public static final String B = ".lora_B.weight";

    /**
     * An adapted layer.
     *
     * @param module the layer's module name (graph names)
     * @param in its input width
     * @param out its output width
     */
    public record Module(String module, int in, int out) {}

    private final LoraConfig config;
    private final List<String> targets;
    private final float scale;
    private final Map<String, Module> adapted = new LinkedHashMap<>();
    private final Set<String> seen = new LinkedHashSet<>();
    private PlaceholderWithDefault<TFloat32> dropoutRate;
    private ParameterStore store;

    private LoraAdapter(LoraConfig config, List<String> targets) {
        this.config = config;
        this.targets = List.copyOf(targets);
        this.scale = (float) config.scale();
    }

    /**
     * The adapter of {@code config} for a model of {@code modelType} (whose PEFT default targets
     * apply when the config names none).
     *
     * @throws ModelException when the config names no targets and the type has no default
     */
    public static LoraAdapter create(LoraConfig config, String modelType) throws ModelException {
        List<String> targets =
                config.targetModules().isEmpty()
                        ? LoraTargets.defaults(modelType)
                        : config.targetModules();
        return new LoraAdapter(config.withTargetModules(targets), targets);
    }

    @Override
    public Operand<TFloat32> adapt(
            BuildContext context,
            String module,
            Operand<TFloat32> x,
            Operand<TFloat32> y,
            int in,
            int out) {
        seen.add(module);
        if (!LoraTargets.matches(module, targets)) {
            return y;
        }
        // A layer applied twice (a shared module) gets the same adapters, as it has one weight.
        adapted.putIfAbsent(module, new Module(module, in, out));
        return delta(context, module, x, y, in, out);
    }

    private Operand<TFloat32> delta(
            BuildContext context,
            String module,
            Operand<TFloat32> x,
            Operand<TFloat32> y,
            int in,
            int out) {
        Ops tf = context.ops();
        if (store == null) {
            // The adapters' own store, beside the model's: the model's parameters stay exactly
            // what its checkpoints hold, and the adapters are what a LoRA run trains and saves.
            store = new ParameterStore(tf);
        }
        ParameterStore p = store;
        Variable<TFloat32> a =
                p.get(
                        module + A,
                        ParameterKind.WEIGHT,
                        Initializer.uniform((float) (1 / Math.sqrt(in))),
                        in,
                        config.rank());
        Variable<TFloat32> b =
                p.get(module + B, ParameterKind.WEIGHT, Initializer.zeros(), config.rank(), out);
        Operand<TFloat32> input = x;
        if (context.training() && config.dropout() > 0) {
            // Its own rate, fed only in training steps (evaluation in the same graph runs with 0);
            // without dropout there are no ops at all, so the model's dropout sites draw the same
            // masks as without LoRA.
            if (dropoutRate == null) {
                dropoutRate =
                        tf.withName("lora_dropout_rate")
                                .placeholderWithDefault(tf.constant(0f), Shape.scalar());
            }
            input = context.dropoutControl().apply(x, dropoutRate);
        }
        Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] {-1, in}));
        // (x·A)·B, never x·(A·B): r is small, so this is two thin products instead of a full
        // [in, out] one.
        Operand<TFloat32> low = tf.linalg.matMul(tf.linalg.matMul(flat, a), b);
        Operand<TFloat32> d = tf.math.mul(tf.reshape(low, tf.shape(y)), tf.constant(scale));
        return tf.math.add(y, d);
    }

    /**
     * Checks that every target module matched at least one linear layer of the graph built.
     *
     * @throws ModelException naming the unmatched targets and the layer names the model has
     */
    public void requireTargetsFound() throws ModelException {
        List<String> unmatched = new ArrayList<>();
        for (String t : targets) {
            if (adapted.keySet().stream().noneMatch(m -> LoraTargets.matches(m, List.of(t)))) {
                unmatched.add(t);
            }
        }
        if (!unmatched.isEmpty()) {
            Set<String> names = new TreeSet<>();
            for (String m : seen) {
                names.add(m.substring(m.lastIndexOf('.') + 1));
            }
            throw new ModelException(
                    "LoRA target module"
                            + (unmatched.size() == 1 ? " " : "s ")
                            + String.join(", ", unmatched)
                            + " match"
                            + (unmatched.size() == 1 ? "es" : "")
                            + " no linear layer of this model; its linear layers are named "
                            + String.join(", ", names));
        }
    }

    /** The config, with the targets resolved. */
    public LoraConfig config() {
        return config;
    }

    /** The target module names in effect. */
    public List<String> targets() {
        return targets;
    }

    /** The adapted layers, in build order. */
    public Map<String, Module> adapted() {
        return Collections.unmodifiableMap(adapted);
    }

    /** Every adapter parameter's name ({@code <module>.lora_A.weight}, {@code …lora_B.weight}). */
    public Set<String> parameterNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String m : adapted.keySet()) {
            names.add(m + A);
            names.add(m + B);
        }
        return names;
    }

    /**
     * The adapters' parameters ({@code <module>.lora_A.weight} {@code [in, r]}, {@code
     * …lora_B.weight} {@code [r, out]}), kept apart from the model's; null before any layer was
     * adapted.
     */
    public ParameterStore parameters() {
        return store;
    }

    /** The adapter dropout's rate placeholder, fed in training steps; null without dropout. */
    public PlaceholderWithDefault<TFloat32> dropoutRate() {
        return dropoutRate;
    }

    /** Whether {@code name} is an adapter parameter name (of any graph). */
    public static boolean isAdapterParameter(String name) {
        return name.endsWith(A) || name.endsWith(B);
    }
}
