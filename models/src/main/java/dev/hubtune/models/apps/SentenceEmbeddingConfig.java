package dev.hubtune.models.apps;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.Pooling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a sentence-transformers model turns hidden states into its embedding, as its own files say:
 * {@code modules.json} (Transformer → Pooling → optional Normalize), {@code 1_Pooling/config.json}
 * (which pooling) and {@code sentence_bert_config.json} (maximum sequence length). A model without
 * them gets sentence-transformers' defaults for a plain encoder: mean pooling, normalised.
 *
 * @param pooling the pooling mode
 * @param normalize whether embeddings are scaled to unit length
 * @param maxLength the longest input in tokens, if the model says
 * @param fromFiles whether the model's own sentence-transformers files said so
 */
public record SentenceEmbeddingConfig(
        Pooling pooling, boolean normalize, Optional<Integer> maxLength, boolean fromFiles) {

    /** Mean pooling, normalised, no length limit of its own. */
    public static final SentenceEmbeddingConfig DEFAULT =
            new SentenceEmbeddingConfig(Pooling.MEAN, true, Optional.empty(), false);

    private static final List<String> UNSUPPORTED_MODES =
            List.of(
                    "pooling_mode_max_tokens",
                    "pooling_mode_mean_sqrt_len_tokens",
                    "pooling_mode_weightedmean_tokens",
                    "pooling_mode_lasttoken");

    /**
     * Reads the sentence-transformers files of {@code dir}.
     *
     * @throws ModelException when they name a module or pooling mode hubtune does not have
     */
    public static SentenceEmbeddingConfig read(Path dir) throws ModelException {
        Path modulesFile = dir.resolve("modules.json");
        if (!Files.isRegularFile(modulesFile)) {
            return DEFAULT;
        }
        JsonArray modules = json(modulesFile).getAsJsonArray();
        Pooling pooling = Pooling.MEAN;
        boolean normalize = false;
        boolean sawPooling = false;
        for (JsonElement m : modules) {
            JsonObject module = m.getAsJsonObject();
            String type = module.has("type") ? module.get("type").getAsString() : "";
            String path = module.has("path") ? module.get("path").getAsString() : "";
            switch (type.substring(type.lastIndexOf('.') + 1)) {
                case "Transformer" -> {}
                case "Pooling" -> {
                    pooling = pooling(dir.resolve(path).resolve("config.json"));
                    sawPooling = true;
                }
                case "Normalize" -> normalize = true;
                default ->
                        throw new ModelException(
                                modulesFile
                                        + " has a "
                                        + type
                                        + " module, which hubtune does not run (it runs"
                                        + " Transformer, Pooling and Normalize)");
            }
        }
        if (!sawPooling) {
            throw new ModelException(
                    modulesFile + " has no Pooling module; hubtune needs one to embed sentences");
        }
        Optional<Integer> maxLength = Optional.empty();
        Path bertConfig = dir.resolve("sentence_bert_config.json");
        if (Files.isRegularFile(bertConfig)) {
            JsonElement max = json(bertConfig).getAsJsonObject().get("max_seq_length");
            if (max != null && max.isJsonPrimitive()) {
                maxLength = Optional.of(max.getAsInt());
            }
        }
        return new SentenceEmbeddingConfig(pooling, normalize, maxLength, true);
    }

    private static Pooling pooling(Path file) throws ModelException {
        JsonObject o = json(file).getAsJsonObject();
        List<Pooling> modes = new ArrayList<>();
        if (flag(o, "pooling_mode_cls_token")) {
            modes.add(Pooling.CLS);
        }
        if (flag(o, "pooling_mode_mean_tokens")) {
            modes.add(Pooling.MEAN);
        }
        for (String unsupported : UNSUPPORTED_MODES) {
            if (flag(o, unsupported)) {
                throw new ModelException(
                        file
                                + " sets "
                                + unsupported
                                + ", which hubtune does not have; it pools by CLS token or by the"
                                + " mean of the tokens");
            }
        }
        if (modes.size() != 1) {
            throw new ModelException(
                    file
                            + " must choose exactly one pooling mode (pooling_mode_cls_token or"
                            + " pooling_mode_mean_tokens), it chooses "
                            + modes.size());
        }
        return modes.get(0);
    }

    private static boolean flag(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() && e.getAsBoolean();
    }

    private static JsonElement json(Path file) throws ModelException {
        try {
            return JsonParser.parseString(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
