package dev.hubtune.models.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.models.weights.WeightTransforms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files that make a model directory a sentence-transformers model: {@code modules.json}
 * (Transformer → Pooling → optional Dense → optional Normalize), {@code 1_Pooling/config.json},
 * {@code 2_Dense/} (config and weights, PyTorch's {@code [out, in]} layout), {@code
 * sentence_bert_config.json} and {@code config_sentence_transformers.json}, as
 * sentence-transformers 3 writes them. {@code SentenceTransformer(dir)} then computes what hubtune
 * computes.
 */
public final class SentenceTransformersFiles {

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

    /** The Dense module's folder. */
    public static final String DENSE = "2_Dense";

    /**
     * A linear layer after the pooling, {@code x·W + b} with W {@code [in, out]} (graph layout).
     *
     * @param weight the kernel {@code [in, out]}
     * @param bias the bias {@code [out]}
     */
    public record Dense(WeightTensor weight, WeightTensor bias) {}

    private SentenceTransformersFiles() {}

    /**
     * Writes the sentence-transformers files into {@code dir}.
     *
     * @param dimension the encoder's hidden size
     * @param maxLength the longest input in tokens
     * @param dense a linear layer after the pooling (e.g. a classifier's logits), if any
     * @param normalize whether a Normalize module ends the pipeline
     */
    public static void write(
            Path dir,
            Pooling pooling,
            int dimension,
            int maxLength,
            Optional<Dense> dense,
            boolean normalize)
            throws IOException {
        if (pooling != Pooling.MEAN && pooling != Pooling.CLS) {
            throw new IllegalArgumentException(
                    "sentence-transformers pools by mean or CLS token, not " + pooling);
        }
        List<Map<String, Object>> modules = new ArrayList<>();
        modules.add(module(0, "", "sentence_transformers.models.Transformer"));
        modules.add(module(1, "1_Pooling", "sentence_transformers.models.Pooling"));
        Files.createDirectories(dir.resolve("1_Pooling"));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("word_embedding_dimension", dimension);
        p.put("pooling_mode_cls_token", pooling == Pooling.CLS);
        p.put("pooling_mode_mean_tokens", pooling == Pooling.MEAN);
        p.put("pooling_mode_max_tokens", false);
        p.put("pooling_mode_mean_sqrt_len_tokens", false);
        p.put("pooling_mode_weightedmean_tokens", false);
        p.put("pooling_mode_lasttoken", false);
        p.put("include_prompt", true);
        json(dir.resolve("1_Pooling/config.json"), p);
        int next = 2;
        if (dense.isPresent()) {
            Dense d = dense.get();
            modules.add(module(next++, DENSE, "sentence_transformers.models.Dense"));
            Path denseDir = Files.createDirectories(dir.resolve(DENSE));
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("in_features", (int) d.weight().dim(0));
            c.put("out_features", (int) d.weight().dim(1));
            c.put("bias", true);
            c.put("activation_function", "torch.nn.modules.linear.Identity");
            json(denseDir.resolve("config.json"), c);
            Map<String, WeightTensor> w = new LinkedHashMap<>();
            w.put("linear.weight", WeightTransforms.transpose(d.weight()));
            w.put("linear.bias", d.bias());
            Safetensors.write(denseDir.resolve("model.safetensors"), w, Map.of("format", "pt"));
        }
        if (normalize) {
            modules.add(
                    module(next, next + "_Normalize", "sentence_transformers.models.Normalize"));
            Files.createDirectories(dir.resolve(next + "_Normalize"));
        }
        Files.writeString(dir.resolve("modules.json"), GSON.toJson(modules) + "\n");
        Map<String, Object> bert = new LinkedHashMap<>();
        bert.put("max_seq_length", maxLength);
        bert.put("do_lower_case", false);
        json(dir.resolve("sentence_bert_config.json"), bert);
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("__version__", Map.of("sentence_transformers", "3.3.1"));
        st.put("prompts", Map.of());
        st.put("default_prompt_name", null);
        st.put("similarity_fn_name", "cosine");
        json(dir.resolve("config_sentence_transformers.json"), st);
    }

    /** The Dense module of {@code dir} in graph layout, if it has one. */
    public static Optional<Dense> readDense(Path dir) throws ModelException {
        Path file = dir.resolve(DENSE).resolve("model.safetensors");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Map<String, WeightTensor> w = Safetensors.read(file);
        WeightTensor weight = w.get("linear.weight");
        WeightTensor bias = w.get("linear.bias");
        if (weight == null || bias == null || weight.shape().length != 2) {
            throw new ModelException(file + " is not a Dense module (linear.weight, linear.bias)");
        }
        return Optional.of(new Dense(WeightTransforms.transpose(weight), bias));
    }

    private static Map<String, Object> module(int idx, String path, String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("idx", idx);
        m.put("name", Integer.toString(idx));
        m.put("path", path);
        m.put("type", type);
        return m;
    }

    private static void json(Path file, Object content) throws IOException {
        Files.writeString(file, GSON.toJson(content) + "\n");
    }
}
