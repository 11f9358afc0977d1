package dev.hubtune.finetune;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.ModelExports;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.lora.LoraAdapter;
import dev.hubtune.models.lora.LoraConfig;
import dev.hubtune.models.lora.LoraMerge;
import dev.hubtune.models.lora.PeftAdapter;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Parameter;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * What the training loop does differently for LoRA, whatever the task: installs the adapters on the
 * training context before the task builds its model, freezes every model parameter outside the
 * modules to save (the task's head by default), gives the optimizer only the adapters and those
 * modules (so frozen weights get no gradients and no Adam moments), starts the adapters as PEFT
 * does (or from a PEFT adapter being continued) and exports the best adapters both as a PEFT
 * adapter directory and merged into a plain model.
 */
final class LoraTraining {

    private static final Logger LOG = LoggerFactory.getLogger(LoraTraining.class);

    private final LoraAdapter adapter;
    private final PeftAdapter initial;
    private final PretrainedModel base;
    private TrainingTask.Model model;
    private List<String> modulesToSave;
    private Set<String> saved;
    private PeftAdapter.Resolved initialResolved;

    private LoraTraining(LoraAdapter adapter, PeftAdapter initial, PretrainedModel base) {
        this.adapter = adapter;
        this.initial = initial;
        this.base = base;
    }

    /** The LoRA setup of a run, or null for full fine-tuning. */
    static LoraTraining of(TrainingSettings s) throws ModelException {
        if (!s.usesLora()) {
            return null;
        }
        PretrainedModel base = ModelFamilies.describe(s.modelDir());
        PeftAdapter initial = s.adapter() == null ? null : PeftAdapter.read(s.adapter());
        LoraConfig config = initial == null ? s.lora() : initial.trainingConfig();
        if (initial != null && s.lora() != null) {
            LOG.warn(
                    "continuing {}: its own LoRA settings apply (r {}, alpha {}), not the ones"
                            + " given",
                    s.adapter(),
                    config.rank(),
                    config.alpha());
        }
        return new LoraTraining(
                LoraAdapter.create(config, base.config().modelType()), initial, base);
    }

    /** The training context with the adapters on its linear layers. */
    BuildContext install(BuildContext context) {
        return context.withAdapter(adapter);
    }

    /**
     * After the task built its model: checks the targets, freezes what is not trained and maps a
     * continued adapter onto the graph.
     */
    void built(TrainingTask.Model model) throws ModelException {
        this.model = model;
        adapter.requireTargetsFound();
        Set<String> names = model.parameters().parameters().keySet();
        modulesToSave =
                adapter.config()
                        .modulesToSave()
                        .orElseGet(() -> PeftAdapter.modulesToSave(model.head()));
        saved = PeftAdapter.savedParameters(names, modulesToSave);
        if (!modulesToSave.isEmpty() && saved.isEmpty()) {
            LOG.warn("modules to save {} match no parameter of the model", modulesToSave);
        }
        model.parameters().freeze(n -> !saved.contains(n));
        if (initial != null) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            model.parameters().parameters().forEach((n, p) -> shapes.put(n, p.shape()));
            initialResolved =
                    initial.resolve(
                            base.family(),
                            dev.hubtune.models.apps.ModelExports.metadata(base).task(),
                            shapes);
            if (!initialResolved.layers().keySet().equals(adapter.adapted().keySet())) {
                throw new ModelException(
                        initial.dir()
                                + " holds adapters for "
                                + initialResolved.layers().keySet()
                                + " but its target_modules select "
                                + adapter.adapted().keySet());
            }
            for (var e : initialResolved.layers().entrySet()) {
                if (e.getValue().rank() != adapter.config().rank()) {
                    throw new ModelException(
                            initial.dir()
                                    + ": "
                                    + e.getKey()
                                    + " has rank "
                                    + e.getValue().rank()
                                    + " but the config says r "
                                    + adapter.config().rank());
                }
            }
        }
        long trainable = 0;
        long total = 0;
        for (Parameter p : model.parameters().parameters().values()) {
            long n = elements(p.shape());
            total += n;
            trainable += p.trainable() ? n : 0;
        }
        for (Parameter p : adapter.parameters().parameters().values()) {
            trainable += elements(p.shape());
            total += elements(p.shape());
        }
        this.trainableCount = trainable;
        this.totalCount = total;
        LOG.info(
                "LoRA r {} alpha {} on {} layers ({}), modules to save {}: trainable params {} of"
                        + " {} ({})",
                adapter.config().rank(),
                adapter.config().alpha(),
                adapter.adapted().size(),
                String.join(",", adapter.targets()),
                modulesToSave,
                String.format(Locale.ROOT, "%,d", trainable),
                String.format(Locale.ROOT, "%,d", total),
                String.format(Locale.ROOT, "%.3f%%", 100.0 * trainable / total));
    }

    private long trainableCount;
    private long totalCount;

    /** Parameters the optimizer updates. */
    long trainableCount() {
        return trainableCount;
    }

    /** Parameters of the model and its adapters. */
    long totalCount() {
        return totalCount;
    }

    /** The variables the optimizer updates: the adapters and the modules to save. */
    Map<String, Variable<TFloat32>> trainable() {
        Map<String, Variable<TFloat32>> out = new LinkedHashMap<>(model.parameters().trainable());
        out.putAll(adapter.parameters().variables());
        return out;
    }

    /**
     * Whether {@code name} gets weight decay: the adapters do (they are weights; HF Trainer decays
     * every parameter but biases and norms), the model's as its kind says.
     */
    boolean decays(String name) {
        return LoraAdapter.isAdapterParameter(name)
                ? adapter.parameters().decays(name)
                : model.parameters().decays(name);
    }

    /** The adapters' variables. */
    Map<String, Variable<TFloat32>> adapterVariables() {
        return adapter.parameters().variables();
    }

    /**
     * Starting values: the adapters' (A Kaiming-uniform, B zero, seeded; or a continued adapter's)
     * and the continued adapter's saved modules over the task's {@code initial} values.
     */
    Map<String, WeightTensor> startingValues(Map<String, WeightTensor> initial, long seed) {
        Map<String, WeightTensor> out = new LinkedHashMap<>(initial);
        if (initialResolved == null) {
            out.putAll(adapter.parameters().initialise(n -> true, seed));
        } else {
            initialResolved
                    .layers()
                    .forEach(
                            (m, l) -> {
                                out.put(m + LoraAdapter.A, l.a());
                                // trained with the config's own scale: B as it is
                                out.put(m + LoraAdapter.B, l.b());
                            });
            out.putAll(initialResolved.saved());
        }
        return out;
    }

    /** The adapter dropout's rate placeholder (fed in training steps), or null. */
    org.tensorflow.op.core.PlaceholderWithDefault<TFloat32> dropoutRate() {
        return adapter.dropoutRate();
    }

    /** The rate fed to it. */
    float dropout() {
        return (float) adapter.config().dropout();
    }

    /**
     * Exports the best weights: {@code model/} with the adapters merged (through the task's own
     * export, so it is what a full fine-tune exports) and {@code adapter/}, a PEFT adapter
     * directory of the same model.
     *
     * @param initial the starting values of the model's parameters (the frozen base)
     * @param best the best checkpoint's trained variables
     */
    Path export(
            TrainingTask<?, ?> task,
            Map<String, WeightTensor> initial,
            Map<String, WeightTensor> best,
            Path outputDir,
            Path baseDir)
            throws ModelException {
        Map<String, WeightTensor> weights = new LinkedHashMap<>();
        for (String n : model.parameters().parameters().keySet()) {
            weights.put(n, best.containsKey(n) ? best.get(n) : initial.get(n));
        }
        Map<String, PeftAdapter.Layer> layers = new LinkedHashMap<>();
        for (String m : adapter.adapted().keySet()) {
            layers.put(
                    m,
                    new PeftAdapter.Layer(
                            best.get(m + LoraAdapter.A),
                            best.get(m + LoraAdapter.B),
                            adapter.config().scale()));
        }
        PeftAdapter.Resolved resolved = new PeftAdapter.Resolved(layers, Map.of());
        Path modelDir = task.export(LoraMerge.merge(weights, resolved), outputDir.resolve("model"));
        PretrainedModel exported = ModelFamilies.load(modelDir);
        // The saved modules as the task exported them, not as trained: a task may transform its
        // head on export (regression folds the label normalisation into its last layer), and
        // base + adapter must compute what the merged model computes.
        Map<String, WeightTensor> exportedWeights = exported.weights();
        Map<String, WeightTensor> savedWeights = new LinkedHashMap<>();
        saved.forEach(n -> savedWeights.put(n, exportedWeights.getOrDefault(n, weights.get(n))));
        ExportMetadata meta = ModelExports.metadata(exported);
        JsonObject hubtune = new JsonObject();
        hubtune.addProperty("format", "hubtune-adapter/1");
        hubtune.addProperty("model_type", base.config().modelType());
        hubtune.addProperty(ExportMetadata.TASK_KEY, meta.taskName());
        if (!meta.labels().isEmpty()) {
            hubtune.add("labels", new Gson().toJsonTree(meta.labels()));
        }
        meta.pooling()
                .ifPresent(p -> hubtune.addProperty(ExportMetadata.POOLING_KEY, p.configName()));
        meta.outputs()
                .ifPresent(
                        o ->
                                o.toJson()
                                        .entrySet()
                                        .forEach(e -> hubtune.add(e.getKey(), e.getValue())));
        meta.data()
                .ifPresent(
                        d ->
                                hubtune.add(
                                        ExportMetadata.DATA_KEY,
                                        new Gson().toJsonTree(d.toJson())));
        Path adapterDir =
                PeftAdapter.write(
                        outputDir.resolve("adapter"),
                        new PeftAdapter.Contents(
                                base.family(),
                                meta.task(),
                                adapter.config(),
                                layers,
                                savedWeights,
                                modulesToSave,
                                new ArrayList<>(model.parameters().parameters().keySet()),
                                baseDir.toAbsolutePath().normalize().toString(),
                                hubtune));
        LOG.info("LoRA adapter (PEFT format) exported to {}", adapterDir);
        return modelDir;
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
