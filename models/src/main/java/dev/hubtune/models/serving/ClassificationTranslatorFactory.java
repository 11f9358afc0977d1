package dev.hubtune.models.serving;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import com.google.gson.Gson;
import dev.hubtune.tokenizers.TextTokenizer;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates {@link ClassificationTranslator}s for classifiers DJL loads, with the tokenizer and
 * {@code labels.json} found next to the SavedModel:
 *
 * <pre>{@code
 * Criteria.builder().setTypes(String.class, Classifications.class).optEngine("TensorFlow")
 *         .optModelPath(dir).optTranslatorFactory(new ClassificationTranslatorFactory())
 * }</pre>
 */
public final class ClassificationTranslatorFactory implements TranslatorFactory {

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return Set.of(new Pair<>(String.class, Classifications.class));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(
            Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (input != String.class || output != Classifications.class) {
            throw new IllegalArgumentException(
                    "ClassificationTranslatorFactory makes String -> Classifications translators");
        }
        Path dir = model.getModelPath();
        try {
            List<String> labels =
                    List.of(
                            new Gson()
                                    .fromJson(
                                            Files.readString(dir.resolve("labels.json")),
                                            String[].class));
            TextTokenizer tokenizer = TextTokenizer.builder().setModelDir(dir).build();
            return (Translator<I, O>) new ClassificationTranslator(tokenizer, labels);
        } catch (Exception e) {
            throw new TranslateException(
                    "no usable labels.json or tokenizer next to the model in "
                            + dir
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
