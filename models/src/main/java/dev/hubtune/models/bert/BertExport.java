package dev.hubtune.models.bert;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.export.ExportDirectory;
import dev.hubtune.models.weights.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a BERT model in Hugging Face's format ({@code config.json}, {@code model.safetensors} in
 * PyTorch layout, the tokenizer files) plus {@code hubtune.json} with every file's sha256 and size,
 * so a model tuned here goes back to the Python ecosystem and re-imports to identical outputs. The
 * directory is written under a temporary name and renamed into place: it exists complete or not at
 * all.
 */
public final class BertExport {

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private BertExport() {}

    /**
     * Exports {@code model} to {@code out}, taking tokenizer files from {@code tokenizerDir}.
     *
     * @param task what the model is for, recorded in hubtune.json (e.g. {@code sentence-embedding})
     * @throws ModelException when {@code out} exists and is not empty, or writing fails
     */
    public static Path huggingFace(BertModel model, Path tokenizerDir, Path out, String task)
            throws ModelException {
        return huggingFace(
                model.graph().config(), model.weights(), Map.of(), tokenizerDir, out, task);
    }

    /**
     * Exports weights (graph names and layout) with their config; {@code extraConfig} entries (e.g.
     * {@code id2label}) are added to {@code config.json}, and an {@code id2label} map also becomes
     * {@code labels.json}.
     */
    public static Path huggingFace(
            BertConfig c,
            Map<String, dev.hubtune.models.weights.WeightTensor> weights,
            Map<String, Object> extraConfig,
            Path tokenizerDir,
            Path out,
            String task)
            throws ModelException {
        return ExportDirectory.write(
                out,
                tokenizerDir,
                "bert",
                task,
                dir -> {
                    Files.createDirectories(dir);
                    Map<String, Object> config = new LinkedHashMap<>();
                    config.put(
                            "architectures",
                            List.of(
                                    weights.containsKey("cls.predictions.bias")
                                            ? "BertForMaskedLM"
                                            : "BertModel"));
                    config.put("model_type", "bert");
                    config.put("vocab_size", c.vocabSize());
                    config.put("hidden_size", c.hiddenSize());
                    config.put("num_hidden_layers", c.numLayers());
                    config.put("num_attention_heads", c.numHeads());
                    config.put("intermediate_size", c.intermediateSize());
                    config.put(
                            "hidden_act",
                            switch (c.activation()) {
                                case GELU -> "gelu";
                                case GELU_TANH -> "gelu_new";
                                case RELU -> "relu";
                            });
                    config.put("max_position_embeddings", c.maxPositions());
                    config.put("type_vocab_size", c.typeVocabSize());
                    config.put("layer_norm_eps", c.layerNormEps());
                    config.putAll(extraConfig);
                    Files.writeString(dir.resolve("config.json"), GSON.toJson(config) + "\n");
                    Safetensors.write(
                            dir.resolve("model.safetensors"),
                            BertWeights.toPyTorch(weights),
                            Map.of("format", "pt"));
                    if (extraConfig.get("id2label") instanceof Map<?, ?> id2label) {
                        List<Object> labels = new ArrayList<>();
                        for (int i = 0; i < id2label.size(); i++) {
                            labels.add(id2label.get(Integer.toString(i)));
                        }
                        Files.writeString(dir.resolve("labels.json"), GSON.toJson(labels) + "\n");
                    }
                });
    }

    /**
     * Exports {@code model} as a TensorFlow SavedModel with a serving signature ({@code input_ids},
     * {@code attention_mask}, {@code token_type_ids} int32 {@code [batch, length]} to {@code
     * last_hidden_state} and the unit-length mean-pooled {@code embedding}), next to its tokenizer
     * files and {@code hubtune.json}. DJL loads it with {@code Criteria} on the TensorFlow engine
     * ({@link dev.hubtune.models.serving.EmbeddingTranslatorFactory}); TF Serving and Python too.
     */
    public static Path savedModel(BertModel model, Path tokenizerDir, Path out)
            throws ModelException {
        return savedModel(model::exportSavedModel, tokenizerDir, out, "sentence-embedding");
    }

    /** Writes a SavedModel into a directory (the graph-specific part of an export). */
    interface SavedModelWriter {
        void write(Path dir) throws IOException;
    }

    /**
     * Exports a SavedModel with {@code writer}, next to the tokenizer files (and {@code
     * labels.json}, for classifiers) of {@code tokenizerDir} and a {@code hubtune.json},
     * atomically.
     */
    static Path savedModel(SavedModelWriter writer, Path tokenizerDir, Path out, String task)
            throws ModelException {
        return ExportDirectory.write(out, tokenizerDir, "bert", task, writer::write);
    }

    /** Writes {@code dir} as a SavedModel of {@code session} with a serving signature. */
    static void writeSavedModel(
            org.tensorflow.Session session,
            BertGraph bert,
            Map<String, org.tensorflow.Operand<?>> outputs,
            Path dir) {
        org.tensorflow.Signature.Builder signature =
                org.tensorflow.Signature.builder()
                        .key(org.tensorflow.Signature.DEFAULT_KEY)
                        .input("input_ids", bert.inputIds)
                        .input("attention_mask", bert.attentionMask)
                        .input("token_type_ids", bert.tokenTypeIds);
        outputs.forEach(signature::output);
        try {
            org.tensorflow.SavedModelBundle.exporter(dir.toString())
                    .withSession(session)
                    .withSignature(signature.build())
                    .export();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
