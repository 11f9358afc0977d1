package dev.hubtune.models.serving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import java.util.List;

/**
 * DJL translator for hubtune's exported SavedModels: a String in, its sentence embedding out.
 * Tokenizes with the tokenizer files exported next to the model, feeds the inputs by name (DJL's
 * TensorFlow engine matches them to the serving signature) and returns the {@code embedding}
 * output.
 */
public final class EmbeddingTranslator implements NoBatchifyTranslator<String, float[]> {

    private final TextTokenizer tokenizer;

    /** A translator tokenizing with {@code tokenizer} (owned by the caller). */
    public EmbeddingTranslator(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String text) throws Exception {
        Batch batch = tokenizer.encodeBatch(List.of(text));
        NDManager m = ctx.getNDManager();
        Shape shape = new Shape(batch.batchSize(), batch.length());
        return new NDList(
                named(m.create(batch.inputIds(), shape), "input_ids"),
                named(m.create(batch.attentionMask(), shape), "attention_mask"),
                named(m.create(batch.typeIds(), shape), "token_type_ids"));
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList outputs) {
        for (NDArray a : outputs) {
            if ("embedding".equals(a.getName())) {
                return a.toFloatArray();
            }
        }
        throw new IllegalStateException(
                "the model has no 'embedding' output; outputs: "
                        + outputs.stream().map(NDArray::getName).toList()
                        + ". Was it exported by hubtune?");
    }

    private static NDArray named(NDArray a, String name) {
        a.setName(name);
        return a;
    }
}
