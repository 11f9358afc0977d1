package dev.hubtune.models.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.ModelFamily;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model in Hugging Face's format for any family: {@code config.json} (the family's
 * architecture, transformers' class for the task, {@code id2label}), {@code model.safetensors} in
 * the family's PyTorch names and layout, the tokenizer files, {@code labels.json} for classifiers
 * and {@code hubtune.json} with every file's sha256 and size — atomically, so the directory exists
 * complete or not at all.
 */
public final class HfExport {

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

    private HfExport() {}

    /**
     * Exports {@code weights} (graph names and layout) of a {@code family} model to {@code out},
     * taking tokenizer files from {@code tokenizerDir}.
     *
     * @throws ModelException when {@code out} exists and is not empty, or writing fails
     */
    public static Path write(
            ModelFamily family,
            FamilyConfig config,
            Map<String, WeightTensor> weights,
            ExportMetadata meta,
            Path tokenizerDir,
            Path out)
            throws ModelException {
        return ExportDirectory.write(
                out,
                tokenizerDir,
                config.modelType(),
                meta.taskName(),
                dir -> {
                    Files.createDirectories(dir);
                    Files.writeString(
                            dir.resolve("config.json"),
                            GSON.toJson(hfConfig(family, config, meta)) + "\n");
                    Safetensors.write(
                            dir.resolve("model.safetensors"),
                            family.toHfWeights(weights, meta.task()),
                            Map.of("format", "pt"));
                    if (!meta.labels().isEmpty()) {
                        Files.writeString(
                                dir.resolve("labels.json"), GSON.toJson(meta.labels()) + "\n");
                    }
                });
    }

    /** The {@code config.json} of an export. */
    static Map<String, Object> hfConfig(
            ModelFamily family, FamilyConfig config, ExportMetadata meta) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of(family.hfArchitecture(meta.task())));
        c.putAll(config.toHfConfig());
        if (!meta.labels().isEmpty()) {
            Map<String, String> id2label = new LinkedHashMap<>();
            Map<String, Integer> label2id = new LinkedHashMap<>();
            for (int i = 0; i < meta.labels().size(); i++) {
                id2label.put(Integer.toString(i), meta.labels().get(i));
                label2id.put(meta.labels().get(i), i);
            }
            c.put("num_labels", meta.labels().size());
            c.put("id2label", id2label);
            c.put("label2id", label2id);
        }
        meta.pooling().ifPresent(p -> c.put(ExportMetadata.POOLING_KEY, p.configName()));
        c.put(ExportMetadata.TASK_KEY, meta.taskName());
        return c;
    }
}
