package dev.hubtune.models.serving;

import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL translator for classifiers exported by hubtune: a String in, DJL {@link Classifications}
 * (every label with its probability) out, from the {@code probabilities} output.
 */
public final class ClassificationTranslator
        implements NoBatchifyTranslator<String, Classifications> {

    private final TextTokenizer tokenizer;
    private final List<String> labels;

    /** A translator with the model's tokenizer (owned by the caller) and labels in id order. */
    public ClassificationTranslator(TextTokenizer tokenizer, List<String> labels) {
        this.tokenizer = tokenizer;
        this.labels = List.copyOf(labels);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String text) throws Exception {
        Batch batch = tokenizer.encodeBatch(List.of(text));
        NDManager m = ctx.getNDManager();
        Shape shape = new Shape(batch.batchSize(), batch.length());
        NDArray ids = m.create(batch.inputIds(), shape);
        ids.setName("input_ids");
        NDArray mask = m.create(batch.attentionMask(), shape);
        mask.setName("attention_mask");
        NDArray types = m.create(batch.typeIds(), shape);
        types.setName("token_type_ids");
        return new NDList(ids, mask, types);
    }

    @Override
    public Classifications processOutput(TranslatorContext ctx, NDList outputs) {
        for (NDArray a : outputs) {
            if ("probabilities".equals(a.getName())) {
                float[] p = a.toFloatArray();
                List<Double> probabilities = new ArrayList<>(p.length);
                for (float v : p) {
                    probabilities.add((double) v);
                }
                return new Classifications(labels, probabilities);
            }
        }
        throw new IllegalStateException(
                "the model has no 'probabilities' output; was it exported by hubtune?");
    }
}
