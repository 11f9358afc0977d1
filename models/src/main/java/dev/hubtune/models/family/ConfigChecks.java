package dev.hubtune.models.family;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.hubtune.models.ModelException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks of an HF {@code config.json} that name the key at fault: the types of the numeric entries
 * every family reads (so {@code "hidden_size": "big"} is "hidden_size must be a whole number", not
 * a NumberFormatException's text), and, for a model initialised from a config alone ({@code hubtune
 * init --config}, no weights to check it against), sane bounds, so that a crafted config cannot
 * make hubtune allocate gigabytes.
 */
public final class ConfigChecks {

    /** Entries that hold whole numbers, in any family that reads them. */
    static final Set<String> INTEGER_KEYS =
            Set.of(
                    "vocab_size",
                    "hidden_size",
                    "num_hidden_layers",
                    "num_attention_heads",
                    "num_key_value_heads",
                    "intermediate_size",
                    "max_position_embeddings",
                    "type_vocab_size",
                    "n_embd",
                    "n_head",
                    "n_heads",
                    "n_inner",
                    "n_layer",
                    "n_layers",
                    "num_layers",
                    "n_positions",
                    "n_ctx",
                    "dim",
                    "hidden_dim",
                    "head_dim",
                    "embedding_size",
                    "attention_head_size",
                    "pooler_hidden_size",
                    "global_attn_every_n_layers",
                    "local_attention",
                    "max_relative_positions",
                    "position_buckets",
                    "sliding_window",
                    "conv_kernel_size");

    /** Entries that hold numbers (whole or not). */
    static final Set<String> NUMBER_KEYS =
            Set.of(
                    "layer_norm_eps",
                    "layer_norm_epsilon",
                    "rms_norm_eps",
                    "norm_eps",
                    "rope_theta",
                    "global_rope_theta",
                    "local_rope_theta",
                    "attention_dropout",
                    "hidden_dropout_prob",
                    "attention_probs_dropout_prob",
                    "classifier_dropout",
                    "embedding_dropout",
                    "mlp_dropout",
                    "pooler_dropout");

    /** Bounds of a config used without weights: the keys naming one size, its least and most. */
    private record Bound(List<String> keys, long min, long max) {
        Bound(List<String> keys, long max) {
            this(keys, 1, max);
        }
    }

    private static final List<Bound> INIT_BOUNDS =
            List.of(
                    new Bound(
                            List.of("num_hidden_layers", "n_layer", "n_layers", "num_layers"), 256),
                    new Bound(List.of("hidden_size", "n_embd", "dim"), 16_384),
                    new Bound(List.of("num_attention_heads", "n_head", "n_heads"), 256),
                    new Bound(List.of("num_key_value_heads"), 256),
                    new Bound(List.of("intermediate_size", "n_inner", "hidden_dim"), 65_536),
                    new Bound(List.of("max_position_embeddings", "n_positions", "n_ctx"), 131_072),
                    new Bound(List.of("vocab_size"), 1_048_576),
                    new Bound(
                            List.of("type_vocab_size"), 0, 1_024), // 0: no token types (DeBERTa-v2)
                    new Bound(List.of("head_dim"), 1_024),
                    new Bound(List.of("embedding_size"), 16_384));

    /** The most parameters a model initialised from a config alone may have (4 GB as float32). */
    public static final long MAX_INIT_PARAMETERS = 1_000_000_000L;

    private ConfigChecks() {}

    /** Refuses a numeric entry of another JSON type, naming the key and what it holds. */
    public static void checkTypes(JsonObject config, Path file) throws ModelException {
        for (var e : config.entrySet()) {
            String key = e.getKey();
            JsonElement v = e.getValue();
            boolean integer = INTEGER_KEYS.contains(key);
            if ((!integer && !NUMBER_KEYS.contains(key)) || v.isJsonNull()) {
                continue;
            }
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                throw new ModelException(
                        file
                                + ": \""
                                + key
                                + "\" must be "
                                + (integer ? "a whole number" : "a number")
                                + ", not "
                                + shortly(v));
            }
            if (integer && !isInt(v.getAsJsonPrimitive())) {
                throw new ModelException(
                        file
                                + ": \""
                                + key
                                + "\" must be a whole number between "
                                + Integer.MIN_VALUE
                                + " and "
                                + Integer.MAX_VALUE
                                + ", not "
                                + shortly(v));
            }
        }
    }

    /**
     * Checks a config that a model is initialised from without weights: sizes positive and within
     * bounds, the hidden size divisible by the heads, and the parameter count estimated from them
     * within {@link #MAX_INIT_PARAMETERS}.
     */
    public static void checkInitBounds(JsonObject config, Path file) throws ModelException {
        checkTypes(config, file);
        for (Bound b : INIT_BOUNDS) {
            for (String key : b.keys()) {
                if (!config.has(key) || config.get(key).isJsonNull()) {
                    continue;
                }
                long v = config.get(key).getAsLong();
                if (v < b.min() || v > b.max()) {
                    throw new ModelException(
                            file
                                    + ": \""
                                    + key
                                    + "\" is "
                                    + v
                                    + "; hubtune initialises models with "
                                    + b.min()
                                    + " to "
                                    + String.format(Locale.ROOT, "%,d", b.max())
                                    + " there");
                }
            }
        }
        long hidden = first(config, "hidden_size", "n_embd", "dim");
        long heads = first(config, "num_attention_heads", "n_head", "n_heads");
        if (hidden > 0 && heads > 0 && !config.has("head_dim") && hidden % heads != 0) {
            throw new ModelException(
                    file
                            + ": the hidden size "
                            + hidden
                            + " is not divisible by the "
                            + heads
                            + " attention heads; make it a multiple of them");
        }
        long kv = first(config, "num_key_value_heads");
        if (kv > 0 && heads > 0 && heads % kv != 0) {
            throw new ModelException(
                    file
                            + ": "
                            + heads
                            + " attention heads cannot be shared by "
                            + kv
                            + " key/value heads; make num_key_value_heads divide them");
        }
        long layers = Math.max(0, first(config, "num_hidden_layers", "n_layer", "n_layers"));
        long inner = first(config, "intermediate_size", "n_inner", "hidden_dim");
        if (inner <= 0) {
            inner = 4 * hidden;
        }
        long vocab = Math.max(0, first(config, "vocab_size"));
        long positions = Math.max(0, first(config, "max_position_embeddings", "n_positions"));
        // Embeddings plus, per layer, the four attention projections and the two MLP matrices:
        // within a few percent of every family's count, and exact enough to refuse a bomb.
        long estimate =
                (vocab + positions) * hidden + layers * (4 * hidden * hidden + 3 * hidden * inner);
        if (estimate > MAX_INIT_PARAMETERS) {
            throw new ModelException(
                    file
                            + " describes a model of about "
                            + String.format(Locale.ROOT, "%,d", estimate)
                            + " parameters; hubtune initialises at most "
                            + String.format(Locale.ROOT, "%,d", MAX_INIT_PARAMETERS)
                            + " from a config (fewer layers or a smaller hidden size)");
        }
    }

    private static long first(JsonObject o, String... keys) {
        for (String k : keys) {
            if (o.has(k) && !o.get(k).isJsonNull()) {
                return o.get(k).getAsLong();
            }
        }
        return -1;
    }

    private static boolean isInt(JsonPrimitive p) {
        try {
            BigDecimal d = p.getAsBigDecimal();
            return d.stripTrailingZeros().scale() <= 0
                    && d.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0
                    && d.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String shortly(JsonElement v) {
        String s = v.toString();
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
