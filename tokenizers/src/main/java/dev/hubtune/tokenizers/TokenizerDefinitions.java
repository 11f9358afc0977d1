package dev.hubtune.tokenizers;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * Builds HF {@code tokenizer.json} definitions for models that ship only the classic files, so
 * every model runs through the same Rust pipeline:
 *
 * <ul>
 *   <li>BERT {@code vocab.txt}: BERT's normalizer (clean text, CJK spacing, lower-casing with
 *       accent stripping when uncased), BERT's pre-tokenizer, WordPiece with {@code ##}
 *       continuations, and the {@code [CLS] A [SEP] B [SEP]} template with token types 0/1;
 *   <li>GPT-2 {@code vocab.json} + {@code merges.txt}: byte-level pre-tokenization (GPT-2's regex,
 *       no prefix space), BPE with the merges in rank order, byte-level decoding, and {@code
 *       <|endoftext|>} as a special token.
 * </ul>
 */
final class TokenizerDefinitions {

    static final List<String> BERT_SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    static final String GPT2_EOS = "<|endoftext|>";

    private TokenizerDefinitions() {}

    /** A WordPiece tokenizer over {@code vocab} (token to id), uncased when {@code lowercase}. */
    static JsonObject bertWordPiece(Map<String, Integer> vocab, boolean lowercase)
            throws TokenizerException {
        for (String required : List.of("[UNK]", "[CLS]", "[SEP]")) {
            if (!vocab.containsKey(required)) {
                throw new TokenizerException(
                        "vocab.txt has no "
                                + required
                                + " token: it is not a BERT WordPiece vocabulary");
            }
        }
        JsonObject root = header();
        JsonArray added = new JsonArray();
        for (String special : BERT_SPECIALS) {
            if (vocab.containsKey(special)) {
                added.add(addedToken(vocab.get(special), special));
            }
        }
        root.add("added_tokens", added);

        JsonObject normalizer = new JsonObject();
        normalizer.addProperty("type", "BertNormalizer");
        normalizer.addProperty("clean_text", true);
        normalizer.addProperty("handle_chinese_chars", true);
        normalizer.add("strip_accents", JsonNull.INSTANCE); // null: follow lowercase, as BERT does
        normalizer.addProperty("lowercase", lowercase);
        root.add("normalizer", normalizer);

        JsonObject pre = new JsonObject();
        pre.addProperty("type", "BertPreTokenizer");
        root.add("pre_tokenizer", pre);

        JsonObject post = new JsonObject();
        post.addProperty("type", "TemplateProcessing");
        post.add("single", template(new String[][] {{"[CLS]", "0"}, {"$A", "0"}, {"[SEP]", "0"}}));
        post.add(
                "pair",
                template(
                        new String[][] {
                            {"[CLS]", "0"}, {"$A", "0"}, {"[SEP]", "0"}, {"$B", "1"}, {"[SEP]", "1"}
                        }));
        JsonObject specials = new JsonObject();
        for (String s : List.of("[CLS]", "[SEP]")) {
            JsonObject t = new JsonObject();
            t.addProperty("id", s);
            JsonArray ids = new JsonArray();
            ids.add(vocab.get(s));
            t.add("ids", ids);
            JsonArray tokens = new JsonArray();
            tokens.add(s);
            t.add("tokens", tokens);
            specials.add(s, t);
        }
        post.add("special_tokens", specials);
        root.add("post_processor", post);

        JsonObject decoder = new JsonObject();
        decoder.addProperty("type", "WordPiece");
        decoder.addProperty("prefix", "##");
        decoder.addProperty("cleanup", true);
        root.add("decoder", decoder);

        JsonObject model = new JsonObject();
        model.addProperty("type", "WordPiece");
        model.addProperty("unk_token", "[UNK]");
        model.addProperty("continuing_subword_prefix", "##");
        model.addProperty("max_input_chars_per_word", 100);
        model.add("vocab", vocabObject(vocab));
        root.add("model", model);
        return root;
    }

    /** GPT-2's byte-level BPE over {@code vocab} (byte-level unicode token to id) and merges. */
    static JsonObject gpt2ByteLevelBpe(Map<String, Integer> vocab, List<String> merges) {
        JsonObject root = header();
        JsonArray added = new JsonArray();
        if (vocab.containsKey(GPT2_EOS)) {
            added.add(addedToken(vocab.get(GPT2_EOS), GPT2_EOS));
        }
        root.add("added_tokens", added);
        root.add("normalizer", JsonNull.INSTANCE);
        root.add("pre_tokenizer", byteLevel(false));
        root.add("post_processor", byteLevel(false));
        root.add("decoder", byteLevel(false));
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.addProperty("continuing_subword_prefix", "");
        model.addProperty("end_of_word_suffix", "");
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.add("vocab", vocabObject(vocab));
        JsonArray m = new JsonArray();
        merges.forEach(m::add);
        model.add("merges", m);
        root.add("model", model);
        return root;
    }

    private static JsonObject header() {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        return root;
    }

    private static JsonObject byteLevel(boolean addPrefixSpace) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "ByteLevel");
        o.addProperty("add_prefix_space", addPrefixSpace);
        o.addProperty("trim_offsets", true);
        o.addProperty("use_regex", true);
        return o;
    }

    private static JsonObject addedToken(int id, String content) {
        JsonObject t = new JsonObject();
        t.addProperty("id", id);
        t.addProperty("content", content);
        t.addProperty("single_word", false);
        t.addProperty("lstrip", false);
        t.addProperty("rstrip", false);
        t.addProperty("normalized", false);
        t.addProperty("special", true);
        return t;
    }

    private static JsonArray template(String[][] pieces) {
        JsonArray a = new JsonArray();
        for (String[] p : pieces) {
            JsonObject piece = new JsonObject();
            JsonObject body = new JsonObject();
            body.addProperty("id", p[0].startsWith("$") ? p[0].substring(1) : p[0]);
            body.addProperty("type_id", Integer.parseInt(p[1]));
            piece.add(p[0].startsWith("$") ? "Sequence" : "SpecialToken", body);
            a.add(piece);
        }
        return a;
    }

    private static JsonElement vocabObject(Map<String, Integer> vocab) {
        JsonObject v = new JsonObject();
        vocab.forEach(v::addProperty);
        return v;
    }
}
