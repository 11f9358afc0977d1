package dev.hubtune.models.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
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
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An export directory written atomically, whatever the architecture: the model files, the tokenizer
 * files (and a classifier's {@code labels.json}) and {@code hubtune.json} with every file's sha256
 * and size, filled under a temporary name and renamed into place.
 */
public final class ExportDirectory {

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

    /** Writes the architecture-specific files into a directory. */
    public interface Content {
        /** Writes into {@code dir} (which may not exist yet). */
        void write(Path dir) throws IOException;
    }

    private ExportDirectory() {}

    /**
     * Writes an export directory atomically: {@code content} fills a temporary folder, the
     * tokenizer files (and {@code labels.json}) of {@code tokenizerDir} and {@code hubtune.json}
     * join it, and one rename puts it at {@code out}. It exists complete or not at all.
     */
    public static Path write(
            Path out, Path tokenizerDir, String architecture, String task, Content content)
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
            writeTokenizerConfig(tmp);
            writeManifest(tmp, architecture, task);
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

    /**
     * A {@code tokenizer_config.json} for an export whose source had none (hubtune's own {@code
     * init} models, a bare {@code tokenizer.json}): without one, transformers' fast tokenizer
     * classes apply their constructor defaults over {@code tokenizer.json} — {@code
     * BertTokenizerFast} lowercases (its {@code do_lower_case} defaults to true and overrides the
     * normalizer), {@code RobertaTokenizerFast} rewrites the prefix space and offset trimming — so
     * a cased model would see other tokens in transformers than it was trained on. Written from
     * what {@code tokenizer.json} itself does, so those constructors change nothing.
     */
    static void writeTokenizerConfig(Path dir) throws IOException {
        Path json = dir.resolve("tokenizer.json");
        if (Files.exists(dir.resolve("tokenizer_config.json"))) {
            return;
        }
        if (!Files.isRegularFile(json)) {
            // a bare vocab.txt: hubtune decides the casing from it, transformers would lowercase
            Optional<Boolean> lower;
            try {
                lower = TextTokenizer.vocabTxtLowercases(dir);
            } catch (TokenizerException e) {
                throw new IOException(e.getMessage(), e);
            }
            if (lower.isPresent()) {
                Files.writeString(
                        dir.resolve("tokenizer_config.json"),
                        GSON.toJson(Map.of("do_lower_case", lower.get())) + "\n");
            }
            return;
        }
        JsonObject t;
        try {
            t = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        } catch (RuntimeException unreadable) {
            return; // copied as it is; the tokenizer itself reports what is wrong with it
        }
        Map<String, Object> config = new LinkedHashMap<>();
        for (JsonObject n : components(t.get("normalizer"))) {
            if ("BertNormalizer".equals(string(n, "type"))) {
                config.put("do_lower_case", bool(n, "lowercase", true));
                config.put("tokenize_chinese_chars", bool(n, "handle_chinese_chars", true));
                if (n.has("strip_accents") && !n.get("strip_accents").isJsonNull()) {
                    config.put("strip_accents", n.get("strip_accents").getAsBoolean());
                }
            }
        }
        for (JsonObject p : components(t.get("pre_tokenizer"))) {
            if ("ByteLevel".equals(string(p, "type")) && p.has("add_prefix_space")) {
                config.put("add_prefix_space", p.get("add_prefix_space").getAsBoolean());
            }
        }
        for (JsonObject p : components(t.get("post_processor"))) {
            if (p.has("trim_offsets")) {
                config.put("trim_offsets", p.get("trim_offsets").getAsBoolean());
            }
        }
        if (!config.isEmpty()) {
            Files.writeString(dir.resolve("tokenizer_config.json"), GSON.toJson(config) + "\n");
        }
    }

    /** A tokenizer component and, for a {@code Sequence}, its parts. */
    private static List<JsonObject> components(JsonElement e) {
        List<JsonObject> out = new ArrayList<>();
        if (e == null || !e.isJsonObject()) {
            return out;
        }
        JsonObject o = e.getAsJsonObject();
        out.add(o);
        for (String key : List.of("normalizers", "pretokenizers", "processors")) {
            if (o.has(key) && o.get(key).isJsonArray()) {
                o.getAsJsonArray(key).forEach(x -> out.addAll(components(x)));
            }
        }
        return out;
    }

    private static String string(JsonObject o, String key) {
        JsonElement v = o.get(key);
        return v == null || !v.isJsonPrimitive() ? null : v.getAsString();
    }

    private static boolean bool(JsonObject o, String key, boolean absent) {
        JsonElement v = o.get(key);
        return v == null || v.isJsonNull() ? absent : v.getAsBoolean();
    }

    /** {@code hubtune.json}: task and every file with its sha256 and size. */
    static void writeManifest(Path dir, String architecture, String task) throws IOException {
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
        manifest.put("architecture", architecture);
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
