package dev.hubtune.models.lora;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelFamily;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PEFT LoRA adapter directory, as {@code PeftModel.save_pretrained} writes it: {@code
 * adapter_config.json} ({@code peft_type} LORA, {@code task_type}, {@code r}, {@code lora_alpha},
 * {@code target_modules}, {@code modules_to_save}, {@code base_model_name_or_path}, …) and {@code
 * adapter_model.safetensors} with PEFT's names ({@code
 * base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight}, PyTorch layout: {@code
 * lora_A [r, in]}, {@code lora_B [out, r]}; the modules to save in full under their own names).
 * hubtune adds {@code hubtune_adapter.json} (labels, pooling, data columns), which PEFT ignores.
 *
 * <p>{@link #read} reads a directory as it is; {@link #resolve} maps it onto a model's graph
 * (names, layout, shapes checked, so an adapter of another base is refused in one line); {@link
 * #write} writes one.
 */
public final class PeftAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PeftAdapter.class);

    /** The adapter's configuration file. */
    public static final String CONFIG_FILE = "adapter_config.json";

    /** The adapter's weights. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** hubtune's metadata (labels, pooling, data), beside PEFT's files. */
    public static final String HUBTUNE_FILE = "hubtune_adapter.json";

    /** The prefix of every key: PeftModel's {@code base_model} (LoraModel), its {@code model}. */
    static final String KEY_PREFIX = "base_model.model.";

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

    /**
     * One adapted layer in graph layout.
     *
     * @param a {@code [in, r]}
     * @param b {@code [r, out]}
     * @param scale the factor on {@code (x·A)·B}
     */
    public record Layer(WeightTensor a, WeightTensor b, double scale) {

        /** The rank. */
        public int rank() {
            return (int) a.dim(1);
        }
    }

    /**
     * An adapter mapped onto a graph.
     *
     * @param layers adapted layers by graph module name
     * @param saved modules saved in full: their parameters by graph name, graph layout
     */
    public record Resolved(Map<String, Layer> layers, Map<String, WeightTensor> saved) {

        /** Copies. */
        public Resolved {
            layers = Map.copyOf(layers);
            saved = Map.copyOf(saved);
        }
    }

    private final Path dir;
    private final JsonObject config;
    private final Map<String, WeightTensor> tensors;
    private final JsonObject hubtune;

    private PeftAdapter(
            Path dir, JsonObject config, Map<String, WeightTensor> tensors, JsonObject hubtune) {
        this.dir = dir;
        this.config = config;
        this.tensors = tensors;
        this.hubtune = hubtune;
    }

    /** Whether {@code dir} looks like an adapter directory. */
    public static boolean isAdapterDir(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG_FILE));
    }

    /**
     * Reads the adapter directory {@code dir}, checking that it is a LoRA adapter hubtune applies.
     *
     * @throws ModelException naming what is missing or unsupported
     */
    public static PeftAdapter read(Path dir) throws ModelException {
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new ModelException(
                    dir
                            + " is not a PEFT adapter directory (it has no "
                            + CONFIG_FILE
                            + "); give the directory a LoRA fine-tune wrote (RUN/adapter) or"
                            + " PeftModel.save_pretrained wrote");
        }
        JsonObject config;
        try {
            config = JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot read " + configFile + ": " + e.getMessage(), e);
        }
        String type = string(config, "peft_type");
        if (!"LORA".equals(type)) {
            throw new ModelException(
                    configFile
                            + " is a "
                            + (type == null ? "adapter without peft_type" : type + " adapter")
                            + "; hubtune applies LoRA adapters (peft_type LORA) only");
        }
        if (config.has("use_dora")
                && config.get("use_dora").isJsonPrimitive()
                && config.get("use_dora").getAsBoolean()) {
            throw new ModelException(
                    configFile + " is a DoRA adapter (use_dora: true); hubtune applies plain LoRA");
        }
        String bias = string(config, "bias");
        if (bias != null && !bias.equals("none")) {
            throw new ModelException(
                    configFile
                            + " trains biases (bias: "
                            + bias
                            + "); hubtune applies adapters with bias: none only");
        }
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            throw new ModelException(
                    dir
                            + " has no "
                            + WEIGHTS_FILE
                            + (Files.isRegularFile(dir.resolve("adapter_model.bin"))
                                    ? " (only adapter_model.bin, a pickle hubtune does not read;"
                                            + " re-save it with safe_serialization=True)"
                                    : ""));
        }
        Map<String, WeightTensor> tensors = Safetensors.read(weightsFile);
        JsonObject hubtune = null;
        Path hubtuneFile = dir.resolve(HUBTUNE_FILE);
        if (Files.isRegularFile(hubtuneFile)) {
            try {
                hubtune = JsonParser.parseString(Files.readString(hubtuneFile)).getAsJsonObject();
            } catch (IOException | RuntimeException e) {
                throw new ModelException("cannot read " + hubtuneFile + ": " + e.getMessage(), e);
            }
        }
        PeftAdapter adapter = new PeftAdapter(dir, config, tensors, hubtune);
        adapter.requireKeys();
        return adapter;
    }

    private void requireKeys() throws ModelException {
        for (String key : tensors.keySet()) {
            if (!key.startsWith(KEY_PREFIX)) {
                throw new ModelException(
                        dir.resolve(WEIGHTS_FILE)
                                + " holds "
                                + key
                                + ", which is not a PEFT LoRA weight name (base_model.model.…)");
            }
            if (key.contains(".lora_embedding_") || key.contains(".lora_magnitude_vector")) {
                throw new ModelException(
                        dir.resolve(WEIGHTS_FILE)
                                + " adapts an embedding or is DoRA ("
                                + key
                                + "); hubtune applies LoRA on linear layers only");
            }
            if (key.contains(".lora_")
                    && !key.endsWith(".lora_A.weight")
                    && !key.endsWith(".lora_B.weight")) {
                throw new ModelException(
                        dir.resolve(WEIGHTS_FILE) + " holds an unknown LoRA tensor " + key);
            }
        }
    }

    /** The directory it was read from. */
    public Path dir() {
        return dir;
    }

    /** A name for it: its directory's. */
    public String name() {
        Path f = dir.toAbsolutePath().normalize().getFileName();
        return f == null ? dir.toString() : f.toString();
    }

    /** PEFT's {@code task_type} (SEQ_CLS, TOKEN_CLS, CAUSAL_LM, FEATURE_EXTRACTION), if any. */
    public Optional<String> taskType() {
        return Optional.ofNullable(string(config, "task_type"));
    }

    /** {@code base_model_name_or_path}, if recorded. */
    public Optional<String> baseModel() {
        return Optional.ofNullable(string(config, "base_model_name_or_path"));
    }

    /** The labels hubtune recorded for a classifier adapter. */
    public Optional<List<String>> labels() {
        if (hubtune == null || !hubtune.has("labels") || !hubtune.get("labels").isJsonArray()) {
            return Optional.empty();
        }
        List<String> labels = new ArrayList<>();
        hubtune.getAsJsonArray("labels").forEach(e -> labels.add(e.getAsString()));
        return labels.isEmpty() ? Optional.empty() : Optional.of(labels);
    }

    /** hubtune's metadata of the adapter ({@code hubtune_adapter.json}), if written by hubtune. */
    public Optional<JsonObject> hubtuneMetadata() {
        return Optional.ofNullable(hubtune == null ? null : hubtune.deepCopy());
    }

    /**
     * Rows of the saved tensor whose name ends with {@code suffix} (e.g. a classifier's {@code
     * classifier.weight}: its number of labels), if the adapter saves one.
     */
    public Optional<Long> savedRows(String suffix) {
        return tensors.entrySet().stream()
                .filter(e -> !e.getKey().contains(".lora_") && e.getKey().endsWith(suffix))
                .map(e -> e.getValue().dim(0))
                .findFirst();
    }

    /**
     * The settings to continue training this adapter with: its rank, alpha, rsLoRA, dropout, target
     * modules and modules to save.
     *
     * @throws ModelException when one training config cannot continue it: layers with their own
     *     rank or alpha (PEFT's rank_pattern / alpha_pattern), or target modules given as a regular
     *     expression
     */
    public LoraConfig trainingConfig() throws ModelException {
        if (nonEmpty("rank_pattern") || nonEmpty("alpha_pattern")) {
            throw new ModelException(
                    dir.resolve(CONFIG_FILE)
                            + " gives some layers their own rank or alpha (rank_pattern /"
                            + " alpha_pattern); hubtune continues training adapters with one rank"
                            + " and alpha only — apply it for inference, or merge it (--merge)");
        }
        JsonElement targets = config.get("target_modules");
        if (targets == null || !targets.isJsonArray()) {
            throw new ModelException(
                    dir.resolve(CONFIG_FILE)
                            + " names its target modules "
                            + (targets == null ? "not at all" : "by a regular expression")
                            + "; hubtune continues training adapters whose target_modules is a"
                            + " list of names");
        }
        return LoraConfig.builder()
                .optRank(intValue(config, "r", LoraConfig.DEFAULT_RANK))
                .optAlpha(number(config, "lora_alpha", LoraConfig.DEFAULT_ALPHA))
                .optRsLora(bool(config, "use_rslora"))
                .optDropout(number(config, "lora_dropout", 0))
                .optTargetModules(stringList(config, "target_modules"))
                .optModulesToSave(stringList(config, "modules_to_save"))
                .build();
    }

    /**
     * Maps the adapter onto a graph whose parameters (graph names and layout) have {@code shapes},
     * for a {@code family} model built for {@code task}.
     *
     * @throws ModelException when the adapter adapts a layer the model lacks or has of another
     *     shape: it belongs to another base model
     */
    public Resolved resolve(ModelFamily family, ModelTask task, Map<String, long[]> shapes)
            throws ModelException {
        Names names = Names.of(family, task, shapes.keySet());
        int defaultRank = intValue(config, "r", LoraConfig.DEFAULT_RANK);
        double alpha = number(config, "lora_alpha", LoraConfig.DEFAULT_ALPHA);
        boolean rs = bool(config, "use_rslora");
        Map<String, WeightTensor> as = new LinkedHashMap<>();
        Map<String, WeightTensor> bs = new LinkedHashMap<>();
        Map<String, WeightTensor> saved = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            String key = e.getKey().substring(KEY_PREFIX.length());
            if (key.endsWith(LoraAdapter.A) || key.endsWith(LoraAdapter.B)) {
                boolean isA = key.endsWith(LoraAdapter.A);
                String hfModule = key.substring(0, key.length() - LoraAdapter.A.length());
                String module = names.graphModule(hfModule);
                if (module == null || !shapes.containsKey(module + ".weight")) {
                    throw anotherBase(
                            "it adapts "
                                    + hfModule
                                    + ", a layer this "
                                    + family.displayName()
                                    + " model does not have");
                }
                (isA ? as : bs).put(module, e.getValue());
            } else {
                String param = names.graphParameter(key);
                if (param == null) {
                    skipped.add(key);
                    continue;
                }
                WeightTensor t = names.toGraphLayout(param, e.getValue());
                if (!Arrays.equals(t.shape(), shapes.get(param))) {
                    throw anotherBase(
                            "it saves "
                                    + key
                                    + " as "
                                    + e.getValue().describe()
                                    + " where this model's is "
                                    + Arrays.toString(names.toHfShape(param, shapes.get(param))));
                }
                saved.put(param, t);
            }
        }
        if (!skipped.isEmpty()) {
            LOG.info(
                    "{}: saved modules this model has no place for, not applied: {}", dir, skipped);
        }
        Map<String, Layer> layers = new LinkedHashMap<>();
        for (var e : as.entrySet()) {
            String module = e.getKey();
            WeightTensor aPt = e.getValue(); // [r, in]
            WeightTensor bPt = bs.get(module); // [out, r]
            if (bPt == null) {
                throw new ModelException(
                        dir.resolve(WEIGHTS_FILE) + " has lora_A but no lora_B for " + module);
            }
            long[] kernel = shapes.get(module + ".weight"); // graph [in, out]
            if (aPt.shape().length != 2 || bPt.shape().length != 2 || kernel.length != 2) {
                throw new ModelException(dir + ": " + module + " is not a linear layer pair");
            }
            if (aPt.dim(1) != kernel[0] || bPt.dim(0) != kernel[1] || aPt.dim(0) != bPt.dim(1)) {
                throw anotherBase(
                        module
                                + " is ["
                                + kernel[1]
                                + " out, "
                                + kernel[0]
                                + " in] here but the adapter's lora_A is "
                                + aPt.describe()
                                + " and lora_B "
                                + bPt.describe());
            }
            int r = (int) aPt.dim(0);
            double a = alphaOf(names.hfModule(module), alpha);
            double scale = rs ? a / Math.sqrt(r) : a / r;
            if (r != defaultRank && !nonEmpty("rank_pattern")) {
                LOG.debug("{}: {} has rank {} (config r {})", dir, module, r, defaultRank);
            }
            layers.put(
                    module,
                    new Layer(
                            WeightTransforms.transpose(aPt),
                            WeightTransforms.transpose(bPt),
                            scale));
        }
        for (String module : bs.keySet()) {
            if (!as.containsKey(module)) {
                throw new ModelException(
                        dir.resolve(WEIGHTS_FILE) + " has lora_B but no lora_A for " + module);
            }
        }
        return new Resolved(layers, saved);
    }

    /** PEFT's alpha_pattern: the first key matching {@code (.*\.)?key$} of the module path. */
    private double alphaOf(String hfModule, double alpha) {
        JsonElement p = config.get("alpha_pattern");
        if (p != null && p.isJsonObject()) {
            for (var e : p.getAsJsonObject().entrySet()) {
                if (Pattern.compile("(.*\\.)?" + e.getKey() + "$").matcher(hfModule).matches()) {
                    return e.getValue().getAsDouble();
                }
            }
        }
        return alpha;
    }

    private ModelException anotherBase(String what) {
        return new ModelException(
                dir
                        + " is an adapter for another model ("
                        + baseModel()
                                .map(b -> "base_model_name_or_path " + b)
                                .orElse("no base recorded")
                        + "): "
                        + what
                        + ". Apply it to the model it was trained on");
    }

    private boolean nonEmpty(String key) {
        JsonElement e = config.get(key);
        return e != null && e.isJsonObject() && !e.getAsJsonObject().isEmpty();
    }

    /**
     * What an adapter to write holds.
     *
     * @param family the model's family
     * @param task what transformers' model it adapts is for (decides names and {@code task_type})
     * @param config the LoRA settings, targets resolved
     * @param layers adapted layers by graph module (A, B in graph layout, scale)
     * @param saved parameters saved in full (graph names and layout)
     * @param modulesToSave the {@code modules_to_save} entries
     * @param parameterNames every parameter name of the model (so names are as transformers' model
     *     for {@code task} has them)
     * @param baseModel {@code base_model_name_or_path}
     * @param hubtune hubtune's metadata, written to {@code hubtune_adapter.json}
     */
    public record Contents(
            ModelFamily family,
            ModelTask task,
            LoraConfig config,
            Map<String, Layer> layers,
            Map<String, WeightTensor> saved,
            List<String> modulesToSave,
            Collection<String> parameterNames,
            String baseModel,
            JsonObject hubtune) {}

    /**
     * Writes an adapter directory at {@code out}, atomically (a temporary sibling renamed into
     * place), after checking everything can be written.
     *
     * @throws ModelException when {@code out} exists and is not empty, or writing fails
     */
    public static Path write(Path out, Contents c) throws ModelException {
        if (Files.exists(out) && !isEmptyDir(out)) {
            throw new ModelException(
                    out + " exists and is not empty; choose a new directory or remove it first");
        }
        Names names = Names.of(c.family(), c.task(), c.parameterNames());
        Map<String, WeightTensor> weights = new LinkedHashMap<>();
        Map<String, WeightTensor> saved = new LinkedHashMap<>(c.saved());
        Map<String, Layer> layers = new LinkedHashMap<>();
        for (var e : c.layers().entrySet()) {
            String kernel = e.getKey() + ".weight";
            if (saved.containsKey(kernel)) {
                // An adapted layer inside a module saved in full (a "dense" target in the
                // classifier): PEFT would not apply the adapter to the saved copy, so it is folded
                // into the saved weight.
                saved.put(kernel, LoraMerge.plusLowRank(saved.get(kernel), e.getValue()));
            } else {
                layers.put(e.getKey(), e.getValue());
            }
        }
        for (var e : layers.entrySet()) {
            String hf = names.hfModule(e.getKey());
            Layer l = e.getValue();
            // PEFT multiplies by its own scale (from r and lora_alpha) when applying: a layer
            // trained with another factor has it folded into B.
            double configScale = c.config().scale();
            WeightTensor b =
                    Math.abs(l.scale() - configScale) <= 1e-12 * configScale
                            ? l.b()
                            : LoraMerge.scaled(l.b(), (float) (l.scale() / configScale));
            weights.put(KEY_PREFIX + hf + LoraAdapter.A, WeightTransforms.transpose(l.a()));
            weights.put(KEY_PREFIX + hf + LoraAdapter.B, WeightTransforms.transpose(b));
        }
        for (var e : saved.entrySet()) {
            String hf = names.hfName(e.getKey());
            if (hf == null) {
                throw new ModelException(
                        "cannot save " + e.getKey() + ": the family has no name for it");
            }
            weights.put(KEY_PREFIX + hf, names.toHfLayout(e.getKey(), e.getValue()));
        }
        JsonObject json = new JsonObject();
        json.add("alpha_pattern", new JsonObject());
        json.add("auto_mapping", null);
        json.addProperty("base_model_name_or_path", c.baseModel());
        json.addProperty("bias", "none");
        // GPT-2's layers are Conv1D, whose weight is [in, out]: PEFT merges them transposed.
        json.addProperty("fan_in_fan_out", c.family().modelTypes().contains("gpt2"));
        json.addProperty("inference_mode", true);
        json.addProperty("init_lora_weights", true);
        json.add("layer_replication", null);
        json.add("layers_pattern", null);
        json.add("layers_to_transform", null);
        json.add("loftq_config", new JsonObject());
        double alpha = c.config().alpha();
        // an integer as PEFT writes it (its config types lora_alpha as int)
        json.addProperty("lora_alpha", alpha == Math.rint(alpha) ? (Number) (long) alpha : alpha);
        json.addProperty("lora_dropout", c.config().dropout());
        json.add("megatron_config", null);
        json.addProperty("megatron_core", "megatron.core");
        JsonArray toSave = new JsonArray();
        c.modulesToSave().forEach(toSave::add);
        json.add("modules_to_save", c.modulesToSave().isEmpty() ? null : toSave);
        json.addProperty("peft_type", "LORA");
        json.addProperty("r", c.config().rank());
        json.add("rank_pattern", new JsonObject());
        json.add("revision", null);
        JsonArray targets = new JsonArray();
        c.config().targetModules().forEach(targets::add);
        json.add("target_modules", targets);
        String taskType = taskType(c.task());
        if (taskType == null) {
            json.add("task_type", null);
        } else {
            json.addProperty("task_type", taskType);
        }
        json.addProperty("use_dora", false);
        json.addProperty("use_rslora", c.config().rsLora());
        Path tmp =
                out.toAbsolutePath()
                        .resolveSibling("." + out.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            Safetensors.write(tmp.resolve(WEIGHTS_FILE), weights, Map.of("format", "pt"));
            Files.writeString(tmp.resolve(CONFIG_FILE), GSON.toJson(json) + "\n");
            if (c.hubtune() != null) {
                Files.writeString(tmp.resolve(HUBTUNE_FILE), GSON.toJson(c.hubtune()) + "\n");
            }
            if (Files.exists(out)) {
                Files.delete(out); // the empty directory
            }
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException | RuntimeException e) {
            throw new ModelException(
                    "writing the adapter to "
                            + out
                            + " failed: "
                            + e.getMessage()
                            + "; nothing was left at "
                            + out,
                    e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** PEFT's {@code task_type} of a task. */
    public static String taskType(ModelTask task) {
        return switch (task) {
            case SEQUENCE_CLASSIFICATION -> "SEQ_CLS";
            case TOKEN_CLASSIFICATION -> "TOKEN_CLS";
            case CAUSAL_LM -> "CAUSAL_LM";
            case EMBEDDING -> "FEATURE_EXTRACTION";
            case MASKED_LM -> null;
        };
    }

    /**
     * The {@code modules_to_save} entries that save exactly the parameters {@code head} (graph
     * names): the top-level modules they belong to ({@code classifier}, {@code pooler}, …).
     */
    public static List<String> modulesToSave(Collection<String> head) {
        Set<String> modules = new LinkedHashSet<>();
        for (String p : head) {
            int dot = p.indexOf('.');
            modules.add(dot < 0 ? p : p.substring(0, dot));
        }
        return List.copyOf(modules);
    }

    /**
     * The parameters (graph names) {@code modules} selects as PEFT's {@code modules_to_save} does:
     * those of a module whose name (graph names) equals or ends with {@code "." + entry}.
     */
    public static Set<String> savedParameters(Collection<String> names, List<String> modules) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            for (String prefix = parent(n); prefix != null; prefix = parent(prefix)) {
                String p = prefix;
                if (modules.stream().anyMatch(m -> p.equals(m) || p.endsWith("." + m))) {
                    out.add(n);
                    break;
                }
            }
        }
        return out;
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? null : path.substring(0, dot);
    }

    /**
     * Graph names ↔ transformers' names and layouts of one model, found through the family's own
     * export mapping.
     */
    private static final class Names {
        private final Map<String, String> toHf;
        private final Map<String, String> fromHf = new LinkedHashMap<>();
        private final Set<String> transposed;

        private Names(Map<String, String> toHf, Set<String> transposed) {
            this.toHf = toHf;
            this.transposed = transposed;
            toHf.forEach((g, h) -> fromHf.put(h, g));
        }

        static Names of(ModelFamily family, ModelTask task, Collection<String> names) {
            Map<String, String> toHf = family.hfNames(names, task);
            // Which 2-D parameters the family transposes on export: probe with [1, 2] stand-ins.
            List<String> list = List.copyOf(names);
            Map<String, WeightTensor> probe = new LinkedHashMap<>();
            for (int i = 0; i < list.size(); i++) {
                probe.put(list.get(i), new WeightTensor(new long[] {1, 2}, new float[] {i, i}));
            }
            Set<String> transposed = new LinkedHashSet<>();
            for (WeightTensor t : family.toHfWeights(probe, task).values()) {
                if (t.shape().length == 2 && t.dim(0) == 2 && t.data()[0] == (int) t.data()[0]) {
                    transposed.add(list.get((int) t.data()[0]));
                }
            }
            return new Names(toHf, transposed);
        }

        String hfName(String graph) {
            return toHf.get(graph);
        }

        String hfModule(String module) {
            String hf = toHf.get(module + ".weight");
            return hf == null ? module : hf.substring(0, hf.length() - ".weight".length());
        }

        /** The graph module at HF path {@code hfModule}: exactly, else the longest suffix. */
        String graphModule(String hfModule) {
            String exact = fromHf.get(hfModule + ".weight");
            if (exact != null) {
                return exact.substring(0, exact.length() - ".weight".length());
            }
            String param = bySuffix(hfModule + ".weight");
            return param == null ? null : param.substring(0, param.length() - ".weight".length());
        }

        String graphParameter(String hfName) {
            String exact = fromHf.get(hfName);
            return exact != null ? exact : bySuffix(hfName);
        }

        /**
         * An adapter saved for another task model of the same base (a classifier's adapter onto the
         * bare encoder): the graph name that {@code hfName} ends with, the longest.
         */
        private String bySuffix(String hfName) {
            return toHf.keySet().stream()
                    .filter(g -> hfName.equals(g) || hfName.endsWith("." + g))
                    .max(Comparator.comparingInt(String::length))
                    .orElse(null);
        }

        WeightTensor toGraphLayout(String graph, WeightTensor hf) {
            return transposed.contains(graph) && hf.shape().length == 2
                    ? WeightTransforms.transpose(hf)
                    : hf;
        }

        WeightTensor toHfLayout(String graph, WeightTensor t) {
            return transposed.contains(graph) && t.shape().length == 2
                    ? WeightTransforms.transpose(t)
                    : t;
        }

        long[] toHfShape(String graph, long[] shape) {
            return transposed.contains(graph) && shape.length == 2
                    ? new long[] {shape[1], shape[0]}
                    : shape;
        }
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static int intValue(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsInt();
    }

    private static double number(JsonObject o, String key, double fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsDouble();
    }

    private static boolean bool(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && !e.isJsonNull() && e.getAsBoolean();
    }

    private static List<String> stringList(JsonObject o, String key) {
        JsonElement e = o.get(key);
        List<String> out = new ArrayList<>();
        if (e != null && e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> out.add(x.getAsString()));
        }
        return out;
    }

    private static boolean isEmptyDir(Path p) {
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a leftover temporary directory is visible and harmless
        }
    }
}
