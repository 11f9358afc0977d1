package dev.hubtune.models.bert;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.Safetensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

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

    /** Tokenizer files, and a classifier's labels, copied into every export. */
    private static final List<String> TOKENIZER_FILES =
            List.of(
                    "tokenizer.json",
                    "vocab.txt",
                    "vocab.json",
                    "merges.txt",
                    "tokenizer_config.json",
                    "special_tokens_map.json",
                    "labels.json");

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
        return exportDirectory(
                out,
                tokenizerDir,
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
        return exportDirectory(out, tokenizerDir, task, writer);
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

    /**
     * Writes an export directory atomically: {@code content} fills a temporary folder, the
     * tokenizer files (and {@code labels.json}) of {@code tokenizerDir} and {@code hubtune.json}
     * join it, and one rename puts it at {@code out}. It exists complete or not at all.
     */
    private static Path exportDirectory(
            Path out, Path tokenizerDir, String task, SavedModelWriter content)
            throws ModelException {
        if (Files.exists(out) && !isEmptyDir(out)) {
            throw new ModelException(
                    out + " exists and is not empty; choose a new directory or remove it first");
        }
        Path tmp =
                out.toAbsolutePath()
                        .resolveSibling("." + out.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            content.write(tmp);
            for (String f : TOKENIZER_FILES) {
                if (Files.isRegularFile(tokenizerDir.resolve(f)) && !Files.exists(tmp.resolve(f))) {
                    Files.copy(tokenizerDir.resolve(f), tmp.resolve(f));
                }
            }
            writeManifest(tmp, task);
            if (Files.exists(out)) {
                Files.delete(out); // the empty directory
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException | RuntimeException e) {
            throw new ModelException(
                    "exporting to "
                            + out
                            + " failed: "
                            + e.getMessage()
                            + "; nothing was left at "
                            + out,
                    e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** {@code hubtune.json}: task and every file with its sha256 and size. */
    static void writeManifest(Path dir, String task) throws IOException {
        List<Map<String, Object>> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path f : list.filter(Files::isRegularFile).sorted().toList()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("path", f.getFileName().toString());
                entry.put("size", Files.size(f));
                entry.put("sha256", sha256(f));
                files.add(entry);
            }
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", "hubtune/1");
        manifest.put("architecture", "bert");
        manifest.put("task", task);
        manifest.put("files", files);
        Files.writeString(dir.resolve("hubtune.json"), GSON.toJson(manifest) + "\n");
    }

    private static String sha256(Path f) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), d)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isEmptyDir(Path p) {
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteQuietly(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a leftover temporary directory is visible and harmless
        }
    }
}
