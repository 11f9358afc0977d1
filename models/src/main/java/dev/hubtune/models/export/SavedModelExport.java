package dev.hubtune.models.export;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.BackboneInputs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;

/**
 * Writes a TensorFlow SavedModel of an inference session with a serving signature (the backbone's
 * int32 {@code [batch, length]} inputs by their HF names to the given outputs), next to the
 * tokenizer files, labels and {@code hubtune.json}, atomically. DJL loads it with {@code Criteria}
 * on the TensorFlow engine; TF Serving and Python too.
 */
public final class SavedModelExport {

    private SavedModelExport() {}

    /**
     * Exports {@code session}'s graph with a signature from {@code inputs} to {@code outputs}.
     *
     * @param modelType the family's {@code model_type}, recorded in {@code hubtune.json}
     * @param task what the model does, recorded in {@code hubtune.json}
     */
    public static Path write(
            Session session,
            BackboneInputs inputs,
            Map<String, Operand<?>> outputs,
            Path tokenizerDir,
            String modelType,
            String task,
            Path out)
            throws ModelException {
        return ExportDirectory.write(
                out,
                tokenizerDir,
                modelType,
                task,
                dir -> {
                    Signature.Builder signature =
                            Signature.builder()
                                    .key(Signature.DEFAULT_KEY)
                                    .input("input_ids", inputs.inputIds());
                    if (inputs.attentionMask() != null) {
                        signature.input("attention_mask", inputs.attentionMask());
                    }
                    if (inputs.tokenTypeIds() != null) {
                        signature.input("token_type_ids", inputs.tokenTypeIds());
                    }
                    outputs.forEach(signature::output);
                    try {
                        SavedModelBundle.exporter(dir.toString())
                                .withSession(session)
                                .withSignature(signature.build())
                                .export();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
    }
}
