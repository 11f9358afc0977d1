package dev.hubtune.tokenizers.testing;

import dev.hubtune.tokenizers.Gpt2Bytes;
import dev.hubtune.tokenizers.TextTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GPT-2's {@code vocab.json} and {@code merges.txt} from jtokkit's {@code r50k_base}
 * mergeable ranks (the GPT-2 encoding): each multi-byte token's merges are its splits into two
 * vocabulary tokens, ordered by the token's rank, as HF's tiktoken converter does.
 */
public final class Gpt2Files {

    private Gpt2Files() {}

    private record Merge(String left, String right, int rank) {}

    /**
     * Writes a small byte-level BPE vocabulary into {@code dir}: the 256 byte symbols, every given
     * word as one token (with and without GPT-2's leading-space marker), built by left-to-right
     * merges, and {@code <|endoftext|>} last. Real GPT-2 tokenization rules, a vocabulary of a few
     * hundred: tiny language models over it train in seconds. A word stays whole when no word's
     * first two letters occur later inside a word; otherwise this throws, naming the word.
     */
    public static Path forWords(Path dir, Collection<String> words) throws IOException {
        List<String> symbols = Gpt2Bytes.symbols();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        symbols.forEach(sym -> vocab.putIfAbsent(sym, vocab.size()));
        Set<String> merges = new LinkedHashSet<>();
        String space = symbols.get(' ');
        for (String word : words) {
            StringBuilder mapped = new StringBuilder();
            for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
                mapped.append(symbols.get(b & 0xff)); // one char per byte
            }
            String prefix = mapped.substring(0, 1);
            for (int i = 1; i < mapped.length(); i++) {
                String next = mapped.substring(i, i + 1);
                merges.add(prefix + " " + next);
                prefix = prefix + next;
                vocab.putIfAbsent(prefix, vocab.size());
            }
            // The spaced form merges the whole word first, then the space marker onto it.
            merges.add(space + " " + mapped);
            vocab.putIfAbsent(space + mapped, vocab.size());
        }
        vocab.put("<|endoftext|>", vocab.size());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vocab.json"), new com.google.gson.Gson().toJson(vocab));
        Files.writeString(
                dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
        try (TextTokenizer tok =
                TextTokenizer.builder().setModelDir(dir).optAddSpecialTokens(false).build()) {
            for (String word : words) {
                for (String form : List.of(word, "x " + word)) {
                    int expected = form.equals(word) ? 1 : 2;
                    if (tok.encode(form).ids().length != expected) {
                        throw new IllegalArgumentException(
                                "'"
                                        + word
                                        + "' is not one token here (another word's merges split"
                                        + " it: "
                                        + List.of(tok.encode(form).tokens())
                                        + "); choose other words");
                    }
                }
            }
        } catch (dev.hubtune.tokenizers.TokenizerException e) {
            throw new IOException(e);
        }
        return dir;
    }

    /** ChatML, as SmolLM2 and Qwen2 write it (no default system prompt). */
    public static final String CHATML =
            "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' +"
                    + " message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if"
                    + " add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /**
     * A byte-level tokenizer with no merges (every byte its own token, ids 0–255 in GPT-2's
     * byte-to-unicode order) and the special tokens {@code <|endoftext|>}, {@code <|im_start|>} and
     * {@code <|im_end|>} (256–258), as {@code tokenizer.json}, with a ChatML chat template in
     * {@code tokenizer_config.json}: a chat model's tokenizer for character-level toy tasks.
     */
    public static Path bytesWithChatTemplate(Path dir) throws IOException {
        List<String> symbols = Gpt2Bytes.symbols();
        com.google.gson.JsonObject vocab = new com.google.gson.JsonObject();
        for (int b = 0; b < 256; b++) {
            vocab.addProperty(symbols.get(b), b);
        }
        List<String> specials = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
        com.google.gson.JsonArray added = new com.google.gson.JsonArray();
        for (int i = 0; i < specials.size(); i++) {
            vocab.addProperty(specials.get(i), 256 + i);
            com.google.gson.JsonObject t = new com.google.gson.JsonObject();
            t.addProperty("id", 256 + i);
            t.addProperty("content", specials.get(i));
            t.addProperty("single_word", false);
            t.addProperty("lstrip", false);
            t.addProperty("rstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("special", true);
            added.add(t);
        }
        com.google.gson.JsonObject byteLevel = new com.google.gson.JsonObject();
        byteLevel.addProperty("type", "ByteLevel");
        byteLevel.addProperty("add_prefix_space", false);
        byteLevel.addProperty("trim_offsets", true);
        byteLevel.addProperty("use_regex", true);
        com.google.gson.JsonObject model = new com.google.gson.JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", com.google.gson.JsonNull.INSTANCE);
        model.add("unk_token", com.google.gson.JsonNull.INSTANCE);
        model.addProperty("continuing_subword_prefix", "");
        model.addProperty("end_of_word_suffix", "");
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.add("vocab", vocab);
        model.add("merges", new com.google.gson.JsonArray());
        com.google.gson.JsonObject root = new com.google.gson.JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", com.google.gson.JsonNull.INSTANCE);
        root.add("padding", com.google.gson.JsonNull.INSTANCE);
        root.add("added_tokens", added);
        root.add("normalizer", com.google.gson.JsonNull.INSTANCE);
        root.add("pre_tokenizer", byteLevel);
        root.add("post_processor", byteLevel);
        root.add("decoder", byteLevel);
        root.add("model", model);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer.json"), root.toString());
        com.google.gson.JsonObject config = new com.google.gson.JsonObject();
        config.addProperty("bos_token", "<|im_start|>");
        config.addProperty("eos_token", "<|im_end|>");
        config.addProperty("chat_template", CHATML);
        Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
        return dir;
    }

    /** Writes both files into {@code dir} and returns it. */
    public static Path write(Path dir) throws IOException {
        List<String> symbols = Gpt2Bytes.symbols();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(
                                Gpt2Files.class
                                        .getClassLoader()
                                        .getResourceAsStream(
                                                "com/knuddels/jtokkit/r50k_base.tiktoken"),
                                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                StringBuilder token = new StringBuilder();
                for (byte b : Base64.getDecoder().decode(parts[0])) {
                    token.append(symbols.get(b & 0xff));
                }
                vocab.put(token.toString(), Integer.parseInt(parts[1]));
            }
        }
        List<Merge> merges = new ArrayList<>();
        for (var e : vocab.entrySet()) {
            String t = e.getKey();
            List<Merge> local = new ArrayList<>();
            for (int i = 1; i < t.length(); i++) {
                String l = t.substring(0, i);
                String r = t.substring(i);
                if (vocab.containsKey(l) && vocab.containsKey(r)) {
                    local.add(new Merge(l, r, e.getValue()));
                }
            }
            local.sort(
                    Comparator.comparing((Merge m) -> vocab.get(m.left()))
                            .thenComparing(m -> vocab.get(m.right())));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparingInt(Merge::rank)); // stable: keeps the per-token order
        vocab.put("<|endoftext|>", 50256);
        Files.writeString(dir.resolve("vocab.json"), new com.google.gson.Gson().toJson(vocab));
        StringBuilder m = new StringBuilder("#version: 0.2\n");
        merges.forEach(x -> m.append(x.left()).append(' ').append(x.right()).append('\n'));
        Files.writeString(dir.resolve("merges.txt"), m);
        return dir;
    }
}
