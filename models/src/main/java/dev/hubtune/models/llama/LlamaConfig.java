package dev.hubtune.models.llama;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.DecoderConfig;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.nn.Rotary;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Llama-architecture decoder's hyper-parameters, as HF's {@code config.json} states them for
 * {@code llama}, {@code mistral}, {@code qwen2} and {@code gemma} (and the checkpoints that reuse
 * them, such as SmolLM2): RMSNorm, rotary positions, a gated MLP, grouped-query attention.
 *
 * @param modelType which of the four
 * @param vocabSize rows of the token embedding
 * @param hiddenSize width of the residual stream
 * @param intermediateSize width of the gated MLP
 * @param numLayers decoder layers
 * @param numHeads query heads
 * @param numKvHeads key/value heads ({@code num_key_value_heads}; fewer than the query heads is
 *     grouped-query attention)
 * @param headSize width of a head ({@code head_dim}; Gemma's is not hidden/heads)
 * @param maxPositions {@code max_position_embeddings}
 * @param rmsNormEps epsilon of every RMSNorm
 * @param ropeTheta rotary base
 * @param ropeScaling Llama 3's rescaling, or null
 * @param activation the MLP's gate activation (SiLU; Gemma: tanh-approximated GELU)
 * @param attentionBias q/k/v projections have biases (Qwen2 always; Llama with {@code
 *     attention_bias}, which also gives o_proj one)
 * @param outputBias o_proj has a bias (Llama's {@code attention_bias})
 * @param mlpBias the MLP's projections have biases (Llama's {@code mlp_bias})
 * @param slidingWindow Mistral's attention window, or 0 for none
 * @param tieWordEmbeddings the LM head is the token embedding
 * @param bosTokenId begin-of-text id
 * @param padTokenId {@code pad_token_id}, if the config names one: its embedding row gets no
 *     gradient from the positions holding it, as in transformers
 * @param eosTokenIds end-of-text ids (Llama 3 has several)
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        Rotary.Llama3Scaling ropeScaling,
        Activation activation,
        boolean attentionBias,
        boolean outputBias,
        boolean mlpBias,
        int slidingWindow,
        boolean tieWordEmbeddings,
        int bosTokenId,
        OptionalInt padTokenId,
        Set<Integer> eosTokenIds)
        implements DecoderConfig {

    /** The model types this config reads, exactly as transformers names them. */
    public static final List<String> MODEL_TYPES = List.of("llama", "mistral", "qwen2", "gemma");

    /** Validates sizes and copies the ids. */
    public LlamaConfig {
        eosTokenIds = Set.copyOf(eosTokenIds);
        if (vocabSize < 1
                || hiddenSize < 1
                || intermediateSize < 1
                || numLayers < 1
                || numHeads < 1
                || numKvHeads < 1
                || headSize < 2
                || maxPositions < 1) {
            throw new IllegalArgumentException(
                    "vocab_size, hidden_size, intermediate_size, num_hidden_layers,"
                            + " num_attention_heads, num_key_value_heads, head_dim and"
                            + " max_position_embeddings must be positive");
        }
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException(
                    numHeads
                            + " attention heads cannot be shared by "
                            + numKvHeads
                            + " key/value heads (num_attention_heads must be a multiple of"
                            + " num_key_value_heads)");
        }
        if (eosTokenIds.isEmpty()) {
            throw new IllegalArgumentException("a decoder needs an eos_token_id");
        }
    }

    /** Whether this is Gemma, whose norms scale by {@code 1 + weight} and embeddings by √hidden. */
    public boolean gemma() {
        return modelType.equals("gemma");
    }

    @Override
    public int eosTokenId() {
        return eosTokenIds.stream().min(Integer::compare).orElseThrow();
    }

    @Override
    public Set<Integer> stopTokenIds() {
        return eosTokenIds;
    }

    /** Reads an HF {@code config.json} of one of {@link #MODEL_TYPES}. */
    public static LlamaConfig read(JsonObject o, Path file) throws ModelException {
        String type = o.get("model_type").getAsString();
        try {
            int hidden = integer(o, "hidden_size", file);
            int heads = integer(o, "num_attention_heads", file);
            boolean gemma = type.equals("gemma");
            boolean qwen2 = type.equals("qwen2");
            String act =
                    string(
                            o,
                            gemma ? "hidden_activation" : "hidden_act",
                            gemma ? "gelu_pytorch_tanh" : "silu");
            Activation activation =
                    Activation.parse(act)
                            .orElseThrow(
                                    () ->
                                            new ModelException(
                                                    file
                                                            + ": unsupported activation '"
                                                            + act
                                                            + "'; hubtune supports "
                                                            + Activation.supportedNames()));
            boolean attentionBias = bool(o, "attention_bias", false);
            int sliding = 0;
            if (type.equals("mistral") || (qwen2 && bool(o, "use_sliding_window", false))) {
                JsonElement w = o.get("sliding_window");
                sliding = w == null || w.isJsonNull() ? 0 : w.getAsInt();
            }
            return new LlamaConfig(
                    type,
                    integer(o, "vocab_size", file),
                    hidden,
                    integer(o, "intermediate_size", file),
                    integer(o, "num_hidden_layers", file),
                    heads,
                    o.has("num_key_value_heads") && !o.get("num_key_value_heads").isJsonNull()
                            ? o.get("num_key_value_heads").getAsInt()
                            : heads,
                    o.has("head_dim") && !o.get("head_dim").isJsonNull()
                            ? o.get("head_dim").getAsInt()
                            : hidden / heads,
                    integer(o, "max_position_embeddings", file),
                    number(o, "rms_norm_eps", 1e-6),
                    number(o, "rope_theta", 10000),
                    scaling(o, file),
                    activation,
                    qwen2 || attentionBias,
                    !qwen2 && attentionBias,
                    bool(o, "mlp_bias", false),
                    sliding,
                    bool(o, "tie_word_embeddings", gemma),
                    o.has("bos_token_id") && !o.get("bos_token_id").isJsonNull()
                            ? o.get("bos_token_id").getAsInt()
                            : 1,
                    o.has("pad_token_id") && !o.get("pad_token_id").isJsonNull()
                            ? OptionalInt.of(o.get("pad_token_id").getAsInt())
                            : OptionalInt.empty(),
                    eos(o, file));
        } catch (IllegalArgumentException
                | IllegalStateException
                | UnsupportedOperationException e) {
            throw new ModelException(
                    file + " is not a valid " + type + " config: " + e.getMessage(), e);
        }
    }

    private static Rotary.Llama3Scaling scaling(JsonObject o, Path file) throws ModelException {
        JsonElement e = o.get("rope_scaling");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        JsonObject s = e.getAsJsonObject();
        String type = s.has("rope_type") ? s.get("rope_type").getAsString() : string(s, "type", "");
        if (!type.equals("llama3")) {
            throw new ModelException(
                    file
                            + ": rope_scaling of type '"
                            + type
                            + "' is not supported; hubtune runs the default rotary embeddings and"
                            + " Llama 3's (rope_type llama3)");
        }
        return new Rotary.Llama3Scaling(
                s.get("factor").getAsDouble(),
                s.get("low_freq_factor").getAsDouble(),
                s.get("high_freq_factor").getAsDouble(),
                s.get("original_max_position_embeddings").getAsInt());
    }

    private static Set<Integer> eos(JsonObject o, Path file) throws ModelException {
        JsonElement e = o.get("eos_token_id");
        Set<Integer> ids = new TreeSet<>();
        if (e == null || e.isJsonNull()) {
            throw new ModelException(file + " has no \"eos_token_id\"; generation needs it");
        }
        if (e.isJsonArray()) {
            for (JsonElement id : e.getAsJsonArray()) {
                ids.add(id.getAsInt());
            }
        } else {
            ids.add(e.getAsInt());
        }
        return ids;
    }

    private static int integer(JsonObject o, String key, Path file) throws ModelException {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new ModelException(file + " has no \"" + key + "\"");
        }
        return e.getAsInt();
    }

    private static double number(JsonObject o, String key, double fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsDouble();
    }

    private static boolean bool(JsonObject o, String key, boolean fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsBoolean();
    }

    private static String string(JsonObject o, String key, String fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsString();
    }

    @Override
    public Map<String, Object> toHfConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", modelType);
        c.put("vocab_size", vocabSize);
        c.put("hidden_size", hiddenSize);
        c.put("intermediate_size", intermediateSize);
        c.put("num_hidden_layers", numLayers);
        c.put("num_attention_heads", numHeads);
        c.put("num_key_value_heads", numKvHeads);
        c.put("head_dim", headSize);
        c.put("max_position_embeddings", maxPositions);
        c.put("rms_norm_eps", rmsNormEps);
        c.put("rope_theta", ropeTheta);
        if (ropeScaling != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rope_type", "llama3");
            s.put("factor", ropeScaling.factor());
            s.put("low_freq_factor", ropeScaling.lowFreqFactor());
            s.put("high_freq_factor", ropeScaling.highFreqFactor());
            s.put("original_max_position_embeddings", ropeScaling.originalMaxPositions());
            c.put("rope_scaling", s);
        } else {
            c.put("rope_scaling", null);
        }
        c.put(
                gemma() ? "hidden_activation" : "hidden_act",
                activation == Activation.GELU_TANH ? "gelu_pytorch_tanh" : activation.hfName());
        if (modelType.equals("llama")) {
            c.put("attention_bias", attentionBias);
            c.put("mlp_bias", mlpBias);
        }
        if (modelType.equals("mistral")) {
            c.put("sliding_window", slidingWindow == 0 ? null : slidingWindow);
        }
        if (modelType.equals("qwen2")) {
            c.put("use_sliding_window", slidingWindow > 0);
            c.put("sliding_window", slidingWindow == 0 ? null : slidingWindow);
        }
        c.put("tie_word_embeddings", tieWordEmbeddings);
        c.put("bos_token_id", bosTokenId);
        c.put("pad_token_id", padTokenId.isPresent() ? padTokenId.getAsInt() : null);
        c.put(
                "eos_token_id",
                eosTokenIds.size() == 1
                        ? (Object) eosTokenIds.iterator().next()
                        : List.copyOf(new TreeSet<>(eosTokenIds)));
        return c;
    }
}
