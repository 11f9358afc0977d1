package dev.hubtune.models.family;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a model directory's family from {@code config.json}'s {@code model_type}. An unknown type
 * is refused with the list of supported ones: a model never runs as another architecture.
 */
public final class ModelFamilies {

    private static final Logger LOG = LoggerFactory.getLogger(ModelFamilies.class);

    private static final List<ModelFamily> FAMILIES = load();

    private ModelFamilies() {}

    /** Every registered family. */
    public static List<ModelFamily> all() {
        return FAMILIES;
    }

    /** The {@code model_type}s hubtune runs, sorted. */
    public static List<String> supportedModelTypes() {
        TreeSet<String> types = new TreeSet<>();
        FAMILIES.forEach(f -> types.addAll(f.modelTypes()));
        return List.copyOf(types);
    }

    /**
     * The family of {@code modelType}.
     *
     * @param source what named the type, for the message
     * @throws ModelException when no family runs it
     */
    public static ModelFamily forModelType(String modelType, Object source) throws ModelException {
        for (ModelFamily f : FAMILIES) {
            if (f.modelTypes().contains(modelType)) {
                return f;
            }
        }
        throw new ModelException(
                source
                        + " has model_type '"
                        + modelType
                        + "', which hubtune does not run; supported model types are "
                        + supportedModelTypes()
                        + ". Use a model of one of these families (hubtune ls --manifests lists"
                        + " ready ones)");
    }

    /**
     * Reads the family and config of the model in {@code dir}, not its weights. A directory holding
     * only a GGUF file stands for the HF directory the file was converted from; the returned
     * model's {@link PretrainedModel#dir()} is then that directory (with config and tokenizer
     * files), in the hubtune home.
     */
    public static PretrainedModel describe(Path dir) throws ModelException {
        if (Files.isDirectory(dir) && !hasConfig(dir)) {
            Path gguf = dev.hubtune.models.weights.WeightFiles.single(dir, ".gguf");
            if (gguf != null) {
                dir = GgufDirectories.of(gguf);
            }
        }
        Path file = configFile(dir);
        JsonObject json;
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(file));
            if (!parsed.isJsonObject()) {
                throw new ModelException(file + " is not a JSON object");
            }
            json = parsed.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new ModelException(file + " is not a readable JSON config: " + e.getMessage(), e);
        }
        String type = modelType(json, file);
        ModelFamily family = forModelType(type, file);
        ConfigChecks.checkTypes(json, file);
        return new PretrainedModel(dir, family, family.readConfig(json, file), json, null);
    }

    /** Reads the family, config and weights of the model in {@code dir}. */
    public static PretrainedModel load(Path dir) throws ModelException {
        return describe(dir).withWeights();
    }

    private static boolean hasConfig(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json"))
                || Files.isRegularFile(dir.resolve("bert_config.json"));
    }

    private static Path configFile(Path dir) throws ModelException {
        for (String name : new String[] {"config.json", "bert_config.json"}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new ModelException(
                "no config.json in "
                        + dir
                        + "; a model directory needs its HF config.json (for manifest models,"
                        + " pull them by manifest id, which supplies it)");
    }

    /**
     * {@code model_type}. Configs from before transformers wrote it (Google's {@code
     * bert_config.json}, 2019-era {@code config.json}) are recognised by their {@code
     * architectures} or, failing that, by keys only BERT or only GPT-2 configs have — with a
     * warning; anything else is refused rather than guessed.
     */
    private static String modelType(JsonObject json, Path file) throws ModelException {
        JsonElement type = json.get("model_type");
        if (type != null && type.isJsonPrimitive()) {
            return type.getAsString();
        }
        if (file.getFileName().toString().equals("bert_config.json")) {
            return "bert";
        }
        String inferred = null;
        JsonElement architectures = json.get("architectures");
        if (architectures != null
                && architectures.isJsonArray()
                && !architectures.getAsJsonArray().isEmpty()) {
            String architecture = architectures.getAsJsonArray().get(0).getAsString();
            inferred = familyOfArchitecture(architecture);
            if (inferred == null) {
                throw new ModelException(
                        file
                                + " has no \"model_type\" and names the architecture "
                                + architecture
                                + "; add the model_type transformers uses for it (hubtune runs "
                                + supportedModelTypes()
                                + ")");
            }
        } else if (json.has("n_embd") && json.has("n_layer")) {
            inferred = "gpt2";
        } else if (json.has("hidden_size")
                && json.has("num_hidden_layers")
                && json.has("num_attention_heads")
                && !looksLikeAnotherBertLayout(json)) {
            inferred = "bert";
        }
        if (inferred == null) {
            throw new ModelException(
                    file
                            + " has no \"model_type\", so its architecture is unknown; add the"
                            + " model_type transformers uses for it (one of "
                            + supportedModelTypes()
                            + ")");
        }
        LOG.warn(
                "{} has no \"model_type\"; its keys are {}'s, so it runs as {} (add \"model_type\":"
                        + " \"{}\" to say so)",
                file,
                inferred,
                inferred,
                inferred);
        return inferred;
    }

    /**
     * The model type of the family whose transformers class {@code architecture} is ({@code
     * RobertaForSequenceClassification} → roberta), or null.
     */
    private static String familyOfArchitecture(String architecture) {
        for (ModelFamily f : FAMILIES) {
            for (String type : f.modelTypes()) {
                for (ModelTask task : ModelTask.values()) {
                    if (f.hfArchitecture(type, task).equals(architecture)) {
                        return type;
                    }
                }
            }
        }
        return architecture.startsWith("Bert")
                ? "bert"
                : architecture.startsWith("GPT2") ? "gpt2" : null;
    }

    /**
     * Keys BERT's config never has: RoBERTa's single token type and padding id 1 (its positions
     * start after the padding index, so running it as BERT gives wrong outputs without an error),
     * ELECTRA's embedding_size. Such a config is refused rather than guessed to be BERT.
     */
    private static boolean looksLikeAnotherBertLayout(JsonObject json) {
        return json.has("embedding_size")
                || (json.has("type_vocab_size")
                        && json.get("type_vocab_size").isJsonPrimitive()
                        && json.get("type_vocab_size").getAsInt() == 1)
                || (json.has("pad_token_id")
                        && json.get("pad_token_id").isJsonPrimitive()
                        && json.get("pad_token_id").getAsInt() == 1);
    }

    private static List<ModelFamily> load() {
        List<ModelFamily> out = new ArrayList<>();
        ServiceLoader.load(ModelFamily.class, ModelFamilies.class.getClassLoader())
                .forEach(out::add);
        return List.copyOf(out);
    }
}
