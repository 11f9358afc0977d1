package dev.hubtune.models.serving;

import ai.djl.Model;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Set;

/**
 * Creates {@link EmbeddingTranslator}s for models DJL loads, with the tokenizer found in the
 * model's directory:
 *
 * <pre>{@code
 * Criteria.builder().setTypes(String.class, float[].class).optEngine("TensorFlow")
 *         .optModelUrls("hubtune:///path/to/export").optTranslatorFactory(new EmbeddingTranslatorFactory())
 * }</pre>
 *
 * The tokenizer lives as long as the JVM's reference to the translator.
 */
public final class EmbeddingTranslatorFactory implements TranslatorFactory {

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return Set.of(new Pair<>(String.class, float[].class));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(
            Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (input != String.class || output != float[].class) {
            throw new IllegalArgumentException(
                    "EmbeddingTranslatorFactory makes String -> float[] translators, not "
                            + input.getSimpleName()
                            + " -> "
                            + output.getSimpleName());
        }
        try {
            TextTokenizer tokenizer =
                    TextTokenizer.builder().setModelDir(model.getModelPath()).build();
            return (Translator<I, O>) new EmbeddingTranslator(tokenizer);
        } catch (TokenizerException e) {
            throw new TranslateException(
                    "no usable tokenizer next to the model in "
                            + model.getModelPath()
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
