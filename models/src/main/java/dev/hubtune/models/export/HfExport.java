package dev.hubtune.models.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.ModelFamily;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a model in Hugging Face's format for any family: {@code config.json} (the family's
 * architecture, transformers' class for the task, {@code id2label}), {@code model.safetensors} in
 * the family's PyTorch names and layout, the tokenizer files, {@code labels.json} for classifiers
 * and {@code hubtune.json} with every file's sha256 and size — atomically, so the directory exists
 * complete or not at all.
 */
public final class HfExport {

    private static final Logger LOG = LoggerFactory.getLogger(HfExport.class);

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

    /**
     * Exports a sequence classifier whose pooling transformers' {@code *ForSequenceClassification}
     * cannot express (mean or CLS pooling; transformers classifies the family's pooler): the
     * encoder in HF format, which transformers loads as what it is, plus a sentence-transformers
     * pipeline (Transformer → Pooling → Dense) whose output is the logits. Never a file that
     * transformers would load as a classifier with an untrained head in place of this one; the log
     * says so.
     *
     * @param projection the head's final linear layer (its {@code .weight}/{@code .bias} become the
     *     Dense module)
     * @param maxLength the longest input, for {@code sentence_bert_config.json}
     */
    public static Path writeSentenceClassifier(
            ModelFamily family,
            FamilyConfig config,
            Map<String, WeightTensor> weights,
            ExportMetadata meta,
            String projection,
            int maxLength,
            Path tokenizerDir,
            Path out)
            throws ModelException {
        Pooling pooling = meta.pooling().orElseThrow();
        Map<String, WeightTensor> encoder = new LinkedHashMap<>(weights);
        WeightTensor kernel = encoder.remove(projection + ".weight");
        WeightTensor bias = encoder.remove(projection + ".bias");
        if (kernel == null || bias == null) {
            throw new ModelException("the classifier has no " + projection + " weights to export");
        }
        LOG.warn(
                "A {} classifier on {} pooling cannot be expressed as transformers' {}: {} is"
                        + " exported as a {} with a sentence-transformers head (Pooling({}) → Dense"
                        + " → logits). Load it with SentenceTransformer(dir) — encode() gives the"
                        + " logits — or train with --pooling pooler for a transformers classifier.",
                family.displayName(),
                pooling.configName(),
                family.hfArchitecture(config.modelType(), ModelTask.SEQUENCE_CLASSIFICATION),
                out,
                family.hfArchitecture(config.modelType(), ModelTask.EMBEDDING));
        ExportMetadata encoderMeta =
                new ExportMetadata(ModelTask.EMBEDDING, meta.labels(), meta.pooling(), meta.data());
        return ExportDirectory.write(
                out,
                tokenizerDir,
                config.modelType(),
                meta.taskName(),
                dir -> {
                    Files.createDirectories(dir);
                    Map<String, Object> c = hfConfig(family, config, encoderMeta);
                    c.put(ExportMetadata.TASK_KEY, meta.taskName());
                    Files.writeString(dir.resolve("config.json"), GSON.toJson(c) + "\n");
                    Safetensors.write(
                            dir.resolve("model.safetensors"),
                            family.toHfWeights(encoder, ModelTask.EMBEDDING),
                            Map.of("format", "pt"));
                    SentenceTransformersFiles.write(
                            dir,
                            pooling,
                            config.hiddenSize(),
                            maxLength,
                            Optional.of(new SentenceTransformersFiles.Dense(kernel, bias)),
                            false);
                    Files.writeString(
                            dir.resolve("labels.json"), GSON.toJson(meta.labels()) + "\n");
                });
    }

    /**
     * Exports an encoder fine-tuned for sentence embeddings as a sentence-transformers directory:
     * the encoder in HF format (transformers' base model, which sentence-transformers' {@code
     * Transformer} module loads), and the files that make {@code SentenceTransformer(dir)} pool by
     * {@code pooling} and, when {@code normalize}, scale to unit length — so it computes the
     * embeddings hubtune computes.
     *
     * @param maxLength the longest input, for {@code sentence_bert_config.json}
     */
    public static Path writeSentenceEmbedder(
            ModelFamily family,
            FamilyConfig config,
            Map<String, WeightTensor> weights,
            Pooling pooling,
            boolean normalize,
            int maxLength,
            Optional<ExportMetadata.DataColumns> data,
            Path tokenizerDir,
            Path out)
            throws ModelException {
        ExportMetadata meta =
                new ExportMetadata(
                        ModelTask.EMBEDDING,
                        List.of(),
                        Optional.of(pooling),
                        data,
                        Optional.empty());
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
                            family.toHfWeights(weights, ModelTask.EMBEDDING),
                            Map.of("format", "pt"));
                    SentenceTransformersFiles.write(
                            dir,
                            pooling,
                            config.hiddenSize(),
                            maxLength,
                            Optional.empty(),
                            normalize);
                });
    }

    /** The {@code config.json} of an export. */
    static Map<String, Object> hfConfig(
            ModelFamily family, FamilyConfig config, ExportMetadata meta) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of(family.hfArchitecture(config.modelType(), meta.task())));
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
        meta.outputs()
                .ifPresent(
                        o -> {
                            // transformers picks the loss (and its pipeline the sigmoid) by this
                            c.put("problem_type", o.problemType().configName());
                            if (!o.thresholds().isEmpty()) {
                                c.put(ExportMetadata.THRESHOLDS_KEY, o.thresholds());
                            }
                        });
        meta.data().ifPresent(d -> c.put(ExportMetadata.DATA_KEY, d.toJson()));
        c.put(ExportMetadata.TASK_KEY, meta.taskName());
        return c;
    }
}
