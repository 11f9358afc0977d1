package dev.hubtune.models.llama;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.Gguf;
import dev.hubtune.models.weights.WeightTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A llama.cpp GGUF of a Llama-architecture model ({@code general.architecture} {@code llama}) as
 * the HF checkpoint it was converted from: {@code config.json} from the {@code llama.*} metadata,
 * tensors under HF names with llama.cpp's q/k row permutation undone, and the tokenizer rebuilt
 * from {@code tokenizer.ggml.*} (GPT-2-style byte-level BPE) with its chat template.
 */
final class GgufLlama {

    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(.+)");

    private static final Map<String, String> BLOCK_NAMES =
            Map.ofEntries(
                    Map.entry("attn_norm.weight", "input_layernorm.weight"),
                    Map.entry("ffn_norm.weight", "post_attention_layernorm.weight"),
                    Map.entry("attn_q.weight", "self_attn.q_proj.weight"),
                    Map.entry("attn_k.weight", "self_attn.k_proj.weight"),
                    Map.entry("attn_v.weight", "self_attn.v_proj.weight"),
                    Map.entry("attn_output.weight", "self_attn.o_proj.weight"),
                    Map.entry("attn_q.bias", "self_attn.q_proj.bias"),
                    Map.entry("attn_k.bias", "self_attn.k_proj.bias"),
                    Map.entry("attn_v.bias", "self_attn.v_proj.bias"),
                    Map.entry("ffn_gate.weight", "mlp.gate_proj.weight"),
                    Map.entry("ffn_up.weight", "mlp.up_proj.weight"),
                    Map.entry("ffn_down.weight", "mlp.down_proj.weight"));

    private GgufLlama() {}

    /** {@code config.json} for the model. */
    static JsonObject config(Gguf gguf) throws ModelException {
        Map<String, Object> m = gguf.metadata();
        String arch = string(m, "general.architecture");
        if (!"llama".equals(arch)) {
            throw new ModelException(
                    "GGUF architecture '" + arch + "' is not one hubtune reads (it reads llama)");
        }
        if (gguf.tensors().containsKey("rope_freqs.weight")) {
            throw new ModelException(
                    "this GGUF carries Llama 3 rope frequency factors (rope_freqs.weight), which"
                            + " hubtune does not read from GGUF; use the model's safetensors"
                            + " checkpoint");
        }
        int hidden = integer(m, "llama.embedding_length");
        int heads = integer(m, "llama.attention.head_count");
        List<?> tokens = (List<?>) m.get("tokenizer.ggml.tokens");
        JsonObject c = new JsonObject();
        JsonArray archs = new JsonArray();
        archs.add("LlamaForCausalLM");
        c.add("architectures", archs);
        c.addProperty("model_type", "llama");
        c.addProperty(
                "vocab_size",
                m.containsKey("llama.vocab_size")
                        ? integer(m, "llama.vocab_size")
                        : tokens == null ? 0 : tokens.size());
        c.addProperty("hidden_size", hidden);
        c.addProperty("intermediate_size", integer(m, "llama.feed_forward_length"));
        c.addProperty("num_hidden_layers", integer(m, "llama.block_count"));
        c.addProperty("num_attention_heads", heads);
        c.addProperty(
                "num_key_value_heads",
                m.containsKey("llama.attention.head_count_kv")
                        ? integer(m, "llama.attention.head_count_kv")
                        : heads);
        c.addProperty(
                "head_dim",
                m.containsKey("llama.rope.dimension_count")
                        ? integer(m, "llama.rope.dimension_count")
                        : hidden / heads);
        c.addProperty("max_position_embeddings", integer(m, "llama.context_length"));
        c.addProperty("rms_norm_eps", number(m, "llama.attention.layer_norm_rms_epsilon", 1e-5));
        c.addProperty("rope_theta", number(m, "llama.rope.freq_base", 10000));
        c.add("rope_scaling", JsonNull.INSTANCE);
        c.addProperty("hidden_act", "silu");
        c.addProperty("tie_word_embeddings", !gguf.tensors().containsKey("output.weight"));
        c.addProperty("bos_token_id", integer(m, "tokenizer.ggml.bos_token_id"));
        c.addProperty("eos_token_id", integer(m, "tokenizer.ggml.eos_token_id"));
        // As transformers' GGUF loader sets it: the padding id (SmolLM2's end of turn) is the
        // model's pad_token_id, whose embedding row fine-tuning updates only through the head.
        if (m.containsKey("tokenizer.ggml.padding_token_id")) {
            c.addProperty("pad_token_id", integer(m, "tokenizer.ggml.padding_token_id"));
        }
        return c;
    }

    /** The tensors under HF names, in PyTorch layout, q and k rows as HF orders them. */
    static Map<String, WeightTensor> weights(Gguf gguf, LlamaConfig config) throws ModelException {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (String name : gguf.tensors().keySet()) {
            String hf = hfName(name);
            WeightTensor t = gguf.read(name);
            if (name.endsWith("attn_q.weight") || name.endsWith("attn_q.bias")) {
                t = unpermute(t, config.numHeads());
            } else if (name.endsWith("attn_k.weight") || name.endsWith("attn_k.bias")) {
                t = unpermute(t, config.numKvHeads());
            }
            out.put(hf, t);
        }
        return out;
    }

    static String hfName(String gguf) throws ModelException {
        switch (gguf) {
            case "token_embd.weight":
                return "model.embed_tokens.weight";
            case "output_norm.weight":
                return "model.norm.weight";
            case "output.weight":
                return "lm_head.weight";
            default:
                Matcher b = BLOCK.matcher(gguf);
                if (b.matches() && BLOCK_NAMES.containsKey(b.group(2))) {
                    return "model.layers." + b.group(1) + "." + BLOCK_NAMES.get(b.group(2));
                }
                throw new ModelException(
                        "GGUF tensor " + gguf + " has no counterpart in a Llama checkpoint");
        }
    }

    /**
     * Undoes llama.cpp's permutation of q and k rows. Its converter reorders each head's rows from
     * HF's "first halves, then second halves" rotary layout to interleaved pairs: row {@code h·d +
     * 2j + t} of the GGUF tensor is row {@code h·d + t·d/2 + j} of HF's.
     */
    static WeightTensor unpermute(WeightTensor t, int heads) {
        long rows = t.dim(0);
        int cols = t.shape().length > 1 ? (int) t.dim(1) : 1;
        int d = (int) (rows / heads);
        int half = d / 2;
        float[] src = t.data();
        float[] dst = new float[src.length];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int tt = 0; tt < 2; tt++) {
                    int from = h * d + 2 * j + tt;
                    int to = h * d + tt * half + j;
                    System.arraycopy(src, from * cols, dst, to * cols, cols);
                }
            }
        }
        return new WeightTensor(t.shape().clone(), dst);
    }

    /**
     * A {@code tokenizer.json} for the GGUF's byte-level BPE vocabulary ({@code
     * tokenizer.ggml.model} {@code gpt2}): tokens in id order, merges in rank order, control tokens
     * as special added tokens, and the pre-tokenizer llama.cpp's {@code tokenizer.ggml.pre} names
     * (SmolLM's splits digits one by one before the GPT-2 regex, as its original tokenizer does).
     */
    static JsonObject tokenizer(Gguf gguf) throws ModelException {
        Map<String, Object> m = gguf.metadata();
        String model = string(m, "tokenizer.ggml.model");
        if (!"gpt2".equals(model)) {
            throw new ModelException(
                    "the GGUF's tokenizer is '"
                            + model
                            + "'; hubtune rebuilds byte-level BPE (gpt2) tokenizers from GGUF");
        }
        List<?> tokens = list(m, "tokenizer.ggml.tokens");
        List<?> merges = list(m, "tokenizer.ggml.merges");
        List<?> types =
                m.containsKey("tokenizer.ggml.token_type")
                        ? list(m, "tokenizer.ggml.token_type")
                        : List.of();
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        JsonArray added = new JsonArray();
        for (int i = 0; i < types.size(); i++) {
            // llama.cpp's token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6
            // byte
            long type = ((Number) types.get(i)).longValue();
            if (type == 3 || type == 4) {
                JsonObject t = new JsonObject();
                t.addProperty("id", i);
                t.addProperty("content", (String) tokens.get(i));
                t.addProperty("single_word", false);
                t.addProperty("lstrip", false);
                t.addProperty("rstrip", false);
                t.addProperty("normalized", type == 4);
                t.addProperty("special", type == 3);
                added.add(t);
            }
        }
        root.add("added_tokens", added);
        root.add("normalizer", JsonNull.INSTANCE);
        JsonObject byteLevel = new JsonObject();
        byteLevel.addProperty("type", "ByteLevel");
        byteLevel.addProperty("add_prefix_space", false);
        byteLevel.addProperty("trim_offsets", true);
        byteLevel.addProperty("use_regex", true);
        String pre = m.containsKey("tokenizer.ggml.pre") ? string(m, "tokenizer.ggml.pre") : "gpt2";
        if (pre.equals("smollm")) {
            JsonObject digits = new JsonObject();
            digits.addProperty("type", "Digits");
            digits.addProperty("individual_digits", true);
            JsonArray seq = new JsonArray();
            seq.add(digits);
            seq.add(byteLevel);
            JsonObject sequence = new JsonObject();
            sequence.addProperty("type", "Sequence");
            sequence.add("pretokenizers", seq);
            root.add("pre_tokenizer", sequence);
        } else {
            root.add("pre_tokenizer", byteLevel);
        }
        JsonObject post = byteLevel.deepCopy();
        post.addProperty("trim_offsets", false);
        root.add("post_processor", post);
        root.add("decoder", byteLevel.deepCopy());
        JsonObject bpe = new JsonObject();
        bpe.addProperty("type", "BPE");
        bpe.add("dropout", JsonNull.INSTANCE);
        bpe.add("unk_token", JsonNull.INSTANCE);
        bpe.addProperty("continuing_subword_prefix", "");
        bpe.addProperty("end_of_word_suffix", "");
        bpe.addProperty("fuse_unk", false);
        bpe.addProperty("byte_fallback", false);
        bpe.addProperty("ignore_merges", false);
        JsonObject vocab = new JsonObject();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.addProperty((String) tokens.get(i), i);
        }
        bpe.add("vocab", vocab);
        JsonArray mergeArray = new JsonArray();
        for (Object merge : merges) {
            String s = (String) merge;
            int space = s.indexOf(' ');
            JsonArray pair = new JsonArray();
            pair.add(s.substring(0, space));
            pair.add(s.substring(space + 1));
            mergeArray.add(pair);
        }
        bpe.add("merges", mergeArray);
        root.add("model", bpe);
        return root;
    }

    /** {@code tokenizer_config.json}: the special tokens and the chat template. */
    static JsonObject tokenizerConfig(Gguf gguf) throws ModelException {
        Map<String, Object> m = gguf.metadata();
        List<?> tokens = list(m, "tokenizer.ggml.tokens");
        JsonObject c = new JsonObject();
        for (String role : List.of("bos", "eos", "unknown", "padding")) {
            String key = "tokenizer.ggml." + role + "_token_id";
            if (m.get(key) instanceof Number id
                    && id.intValue() >= 0
                    && id.intValue() < tokens.size()) {
                String name =
                        switch (role) {
                            case "unknown" -> "unk_token";
                            case "padding" -> "pad_token";
                            default -> role + "_token";
                        };
                c.addProperty(name, (String) tokens.get(id.intValue()));
            }
        }
        if (m.get("tokenizer.chat_template") instanceof String template) {
            c.addProperty("chat_template", template);
        }
        c.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
        return c;
    }

    private static String string(Map<String, Object> m, String key) throws ModelException {
        if (!(m.get(key) instanceof String s)) {
            throw new ModelException("the GGUF has no string metadata " + key);
        }
        return s;
    }

    private static int integer(Map<String, Object> m, String key) throws ModelException {
        if (!(m.get(key) instanceof Number n)) {
            throw new ModelException("the GGUF has no number metadata " + key);
        }
        return Math.toIntExact(n.longValue());
    }

    private static double number(Map<String, Object> m, String key, double fallback) {
        return m.get(key) instanceof Number n ? n.doubleValue() : fallback;
    }

    private static List<?> list(Map<String, Object> m, String key) throws ModelException {
        if (!(m.get(key) instanceof List<?> l)) {
            throw new ModelException("the GGUF has no list metadata " + key);
        }
        return l;
    }
}
