package dev.hubtune.models.gpt2;

import com.google.gson.GsonBuilder;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.export.ExportDirectory;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a GPT-2 in Hugging Face's format ({@code config.json}, {@code model.safetensors} with
 * {@code GPT2Model} names, the tokenizer files) plus {@code hubtune.json}, atomically. {@code
 * GPT2LMHeadModel.from_pretrained} loads it (its LM head is tied), and so does {@link Gpt2Model}.
 */
public final class Gpt2Export {

    private Gpt2Export() {}

    /** Exports {@code weights} (graph names) with {@code config} and the tokenizer files. */
    public static Path huggingFace(
            Gpt2Config config,
            Map<String, WeightTensor> weights,
            Path tokenizerDir,
            Path out,
            String task)
            throws ModelException {
        return ExportDirectory.write(
                out,
                tokenizerDir,
                "gpt2",
                task,
                dir -> {
                    Files.createDirectories(dir);
                    Files.writeString(
                            dir.resolve("config.json"),
                            new GsonBuilder()
                                            .setPrettyPrinting()
                                            .serializeNulls()
                                            .create()
                                            .toJson(config.toJson())
                                    + "\n");
                    Safetensors.write(
                            dir.resolve("model.safetensors"), weights, Map.of("format", "pt"));
                });
    }
}
