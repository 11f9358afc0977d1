package dev.hubtune.tokenizers;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.hubtune.hub.HubtuneHome;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model's tokenizer, loaded from its directory whatever it carries ({@code tokenizer.json}, a
 * BERT {@code vocab.txt}, or GPT-2's {@code vocab.json} + {@code merges.txt}), running on DJL's
 * HuggingFace tokenizers (Rust) from local files only. Encodes texts and pairs with truncation and
 * overflow windows, and pads batches itself so that any pad id works (GPT-2 has none).
 *
 * <pre>{@code
 * try (TextTokenizer tok = TextTokenizer.builder().setModelDir(dir).optMaxLength(128).build()) {
 *     Batch batch = tok.encodeBatch(List.of("first text", "second"));
 * }
 * }</pre>
 */
public final class TextTokenizer implements AutoCloseable {

    /** Which files the tokenizer came from. */
    public enum Source {
        /** An HF {@code tokenizer.json}. */
        TOKENIZER_JSON,
        /** A BERT {@code vocab.txt} (WordPiece). */
        BERT_VOCAB,
        /** GPT-2 {@code vocab.json} + {@code merges.txt} (byte-level BPE). */
        GPT2_BPE
    }

    private final HuggingFaceTokenizer tokenizer;

    /** The pipeline definition, kept to build the overflow-window variant on demand. */
    private final JsonObject definition;

    private final Source source;
    private final Map<String, Integer> vocab;
    private final int maxLength;
    private final Truncation truncation;
    private final Padding padding;
    private final int padToMultipleOf;
    private final int padId;

    /** Overflow-window variants by stride, built on first use and closed with this one. */
    private final Map<Integer, HuggingFaceTokenizer> windowTokenizers = new HashMap<>();

    private TextTokenizer(
            Builder b,
            HuggingFaceTokenizer tokenizer,
            Source source,
            Map<String, Integer> vocab,
            int padId,
            JsonObject definition) {
        this.tokenizer = tokenizer;
        this.definition = definition;
        this.source = source;
        this.vocab = vocab;
        this.maxLength = b.maxLength;
        this.truncation = b.truncation;
        this.padding = b.padding;
        this.padToMultipleOf = b.padToMultipleOf;
        this.padId = padId;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Which files the tokenizer was built from. */
    public Source source() {
        return source;
    }

    /** The pad id batches use. */
    public int padId() {
        return padId;
    }

    /**
     * Whether the {@code vocab.txt} tokenizer of {@code dir} (one without {@code tokenizer.json})
     * lowercases, by the rule this class builds it with; empty when {@code dir} has no such
     * tokenizer. An export says so in {@code tokenizer_config.json}, for tokenizers that default
     * otherwise.
     */
    public static Optional<Boolean> vocabTxtLowercases(Path dir) throws TokenizerException {
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))
                || !Files.isRegularFile(dir.resolve("vocab.txt"))) {
            return Optional.empty();
        }
        return Optional.of(ModelConfigs.doLowerCase(dir, readVocabTxt(dir.resolve("vocab.txt"))));
    }

    /** Maximum sequence length, special tokens included. */
    public int maxLength() {
        return maxLength;
    }

    /** Size of the vocabulary (added tokens included). */
    public int vocabSize() {
        return vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    /** The id of a token of the vocabulary. */
    public OptionalInt tokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Encodes one text. */
    public Encoded encode(String text) throws TokenizerException {
        return convert(checkedEncode(text, null), text);
    }

    /** Encodes a text pair (e.g. question and context): token types 0 then 1. */
    public Encoded encode(String text, String pair) throws TokenizerException {
        return convert(checkedEncode(text, Objects.requireNonNull(pair, "pair")), text);
    }

    /**
     * Encodes a long text as overlapping windows of at most the maximum length, each sharing {@code
     * stride} tokens with the previous one, so nothing of a long document is lost.
     */
    public List<Encoded> encodeWindows(String text, int stride) throws TokenizerException {
        if (stride < 0 || stride >= maxLength / 2) {
            throw new TokenizerException(
                    "stride must be in 0.."
                            + (maxLength / 2 - 1)
                            + " for max length "
                            + maxLength
                            + ", got "
                            + stride);
        }
        HuggingFaceTokenizer windows = windowTokenizer(stride);
        requireText(text);
        Encoding e = encoding(() -> windows.encode(text));
        List<Encoded> out = new ArrayList<>();
        out.add(convert(e, text));
        for (Encoding o : e.getOverflowing()) {
            out.add(convert(o, text));
        }
        return out;
    }

    /**
     * The overflow-window variant for {@code stride}, built once: a token-classification dataset
     * asks for windows of every long sentence, and building a native tokenizer per call is slow.
     */
    private HuggingFaceTokenizer windowTokenizer(int stride) throws TokenizerException {
        synchronized (windowTokenizers) {
            HuggingFaceTokenizer t = windowTokenizers.get(stride);
            if (t == null) {
                Map<String, String> options = options(true);
                options.put("withOverflowingTokens", "true");
                options.put("stride", Integer.toString(stride));
                try {
                    t = load(definition.toString(), options);
                } catch (IOException e) {
                    throw new TokenizerException(
                            "cannot build the window tokenizer: " + e.getMessage(), e);
                }
                windowTokenizers.put(stride, t);
            }
            return t;
        }
    }

    /**
     * The prefix the vocabulary marks word-continuing pieces with ({@code ##} for WordPiece), if
     * the tokenizer's model has one: only then do tokens tell where words end.
     */
    public java.util.Optional<String> continuingSubwordPrefix() {
        String p = modelString("continuing_subword_prefix");
        return p == null || p.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(p);
    }

    /** The id of the unknown token of the tokenizer's model, if it has one. */
    public OptionalInt unknownId() {
        String unk = modelString("unk_token");
        if (unk != null) {
            return tokenId(unk);
        }
        String id = modelString("unk_id");
        return id == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(id));
    }

    private String modelString(String key) {
        JsonElement model = definition.get("model");
        if (model == null || !model.isJsonObject()) {
            return null;
        }
        JsonElement v = model.getAsJsonObject().get(key);
        return v == null || !v.isJsonPrimitive() ? null : v.getAsString();
    }

    /** Encodes and pads a batch of texts (encoded in parallel by the native library). */
    public Batch encodeBatch(List<String> texts) throws TokenizerException {
        for (String t : texts) {
            requireText(t);
        }
        return pad(convertAll(encoding(() -> tokenizer.batchEncode(texts)), texts));
    }

    private List<Encoded> convertAll(Encoding[] encodings, List<String> texts)
            throws TokenizerException {
        List<Encoded> encoded = new ArrayList<>(encodings.length);
        for (int i = 0; i < encodings.length; i++) {
            checkLength(encodings[i]);
            encoded.add(convert(encodings[i], texts.get(i)));
        }
        return encoded;
    }

    /** Encodes and pads a batch of text pairs. */
    public Batch encodeBatch(List<String> texts, List<String> pairs) throws TokenizerException {
        if (texts.size() != pairs.size()) {
            throw new TokenizerException(
                    texts.size() + " texts but " + pairs.size() + " pairs; they must match");
        }
        ai.djl.util.PairList<String, String> pairList = new ai.djl.util.PairList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            pairList.add(requireText(texts.get(i)), requireText(pairs.get(i)));
        }
        return pad(convertAll(encoding(() -> tokenizer.batchEncode(pairList)), texts));
    }

    /** Pads encodings into a batch with this tokenizer's padding settings. */
    public Batch pad(List<Encoded> encoded) {
        int longest = encoded.stream().mapToInt(Encoded::length).max().orElse(0);
        int length = padding == Padding.MAX_LENGTH ? maxLength : longest;
        if (padToMultipleOf > 1 && length % padToMultipleOf != 0) {
            length += padToMultipleOf - length % padToMultipleOf;
        }
        return new Batch(encoded, length, padId);
    }

    /** Text of {@code ids}, optionally without special tokens. */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    @Override
    public void close() {
        synchronized (windowTokenizers) {
            windowTokenizers.values().forEach(HuggingFaceTokenizer::close);
            windowTokenizers.clear();
        }
        tokenizer.close();
    }

    // ---------------------------------------------------------------------------------------------

    private Encoding checkedEncode(String text, String pair) throws TokenizerException {
        requireText(text);
        if (pair != null) {
            requireText(pair);
        }
        Encoding e =
                encoding(
                        () -> pair == null ? tokenizer.encode(text) : tokenizer.encode(text, pair));
        checkLength(e);
        return e;
    }

    /**
     * HF tokenizers reports what its definition cannot encode as a RuntimeException (a WordPiece
     * model whose vocabulary lacks its unknown token, found by fuzzing): the tokenizer files'
     * fault, said as a {@link TokenizerException}.
     */
    private static <T> T encoding(java.util.function.Supplier<T> call) throws TokenizerException {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw new TokenizerException(
                    "the tokenizer cannot encode this text: "
                            + e.getMessage()
                            + " (check the model's tokenizer files)",
                    e);
        }
    }

    private void checkLength(Encoding e) throws TokenizerException {
        if (truncation == Truncation.NONE && e.getIds().length > maxLength) {
            throw new TokenizerException(
                    "the text has "
                            + e.getIds().length
                            + " tokens, more than the maximum "
                            + maxLength
                            + "; enable truncation, raise the maximum length, or use encodeWindows");
        }
    }

    private static String requireText(String text) throws TokenizerException {
        if (text == null || text.isEmpty()) {
            throw new TokenizerException("empty text: there is nothing to tokenize");
        }
        return text;
    }

    private static Encoded convert(Encoding e, String text) {
        CharSpan[] spans = e.getCharTokenSpans();
        int n = e.getIds().length;
        int[] starts = new int[n];
        int[] ends = new int[n];
        long[] special = e.getSpecialTokenMask();
        for (int i = 0; i < n; i++) {
            CharSpan s = i < spans.length ? spans[i] : null;
            boolean added = special[i] == 1 || s == null;
            starts[i] = added ? -1 : s.getStart();
            ends[i] = added ? -1 : s.getEnd();
        }
        return new Encoded(e.getIds(), e.getTypeIds(), special, e.getTokens(), starts, ends);
    }

    private Map<String, String> options(boolean addSpecial) {
        return options(addSpecial, truncation, maxLength);
    }

    private static Map<String, String> options(
            boolean addSpecial, Truncation truncation, int maxLength) {
        Map<String, String> o = new HashMap<>();
        o.put("addSpecialTokens", Boolean.toString(addSpecial));
        o.put("padding", "false"); // we pad ourselves: any pad id, multiples, fixed lengths
        o.put(
                "truncation",
                truncation == Truncation.NONE
                        ? "false"
                        : truncation.name().toLowerCase(java.util.Locale.ROOT));
        o.put("maxLength", Integer.toString(maxLength));
        return o;
    }

    private static HuggingFaceTokenizer load(String json, Map<String, String> options)
            throws IOException {
        return HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), options);
    }

    /** Builder of a {@link TextTokenizer}. */
    public static final class Builder {
        private Path modelDir;
        private int maxLength = -1;
        private Truncation truncation = Truncation.LONGEST_FIRST;
        private Padding padding = Padding.LONGEST;
        private int padToMultipleOf = 1;
        private Integer padId;
        private Boolean lowercase;
        private boolean addSpecialTokens = true;

        Builder() {}

        /** The model directory holding the tokenizer files (required). */
        public Builder setModelDir(Path dir) {
            this.modelDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Maximum length in tokens, special tokens included (default: the model's, else 512). */
        public Builder optMaxLength(int maxLength) {
            if (maxLength < 2) {
                throw new IllegalArgumentException(
                        "max length must be at least 2, got " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }

        /** How long inputs are cut (default: longest first). */
        public Builder optTruncation(Truncation truncation) {
            this.truncation = Objects.requireNonNull(truncation);
            return this;
        }

        /** How batches are padded (default: to the longest). */
        public Builder optPadding(Padding padding) {
            this.padding = Objects.requireNonNull(padding);
            return this;
        }

        /** Pad batch lengths up to a multiple of {@code n} (8 suits tensor cores). */
        public Builder optPadToMultipleOf(int n) {
            if (n < 1) {
                throw new IllegalArgumentException(
                        "pad-to-multiple-of must be at least 1, got " + n);
            }
            this.padToMultipleOf = n;
            return this;
        }

        /**
         * The pad id (default: the vocabulary's pad token; GPT-2 has none and uses its end of
         * text).
         */
        public Builder optPadId(int padId) {
            if (padId < 0) {
                throw new IllegalArgumentException("pad id must be >= 0, got " + padId);
            }
            this.padId = padId;
            return this;
        }

        /**
         * Force lower-casing on or off for a {@code vocab.txt} (default: from the model's config).
         */
        public Builder optLowercase(boolean lowercase) {
            this.lowercase = lowercase;
            return this;
        }

        /** Add the model's special tokens ([CLS]/[SEP]) (default true). */
        public Builder optAddSpecialTokens(boolean add) {
            this.addSpecialTokens = add;
            return this;
        }

        /** Loads the tokenizer; the natives load offline on first use. */
        public TextTokenizer build() throws TokenizerException {
            if (modelDir == null) {
                throw new IllegalStateException("setModelDir is required");
            }
            TokenizerRuntime.load(HubtuneHome.fromEnvironment());
            Path dir = modelDir;
            JsonObject definition;
            Source source;
            if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                definition = parseJson(dir.resolve("tokenizer.json"));
                source = Source.TOKENIZER_JSON;
                // Our options decide padding and truncation, not defaults baked into the file.
                definition.add("padding", com.google.gson.JsonNull.INSTANCE);
                definition.add("truncation", com.google.gson.JsonNull.INSTANCE);
            } else if (Files.isRegularFile(dir.resolve("vocab.txt"))) {
                Map<String, Integer> vocab = readVocabTxt(dir.resolve("vocab.txt"));
                boolean lower =
                        lowercase != null ? lowercase : ModelConfigs.doLowerCase(dir, vocab);
                definition = TokenizerDefinitions.bertWordPiece(vocab, lower);
                source = Source.BERT_VOCAB;
            } else if (Files.isRegularFile(dir.resolve("vocab.json"))
                    && Files.isRegularFile(dir.resolve("merges.txt"))) {
                Map<String, Integer> vocab = new LinkedHashMap<>();
                for (var e : parseJson(dir.resolve("vocab.json")).entrySet()) {
                    if (!e.getValue().isJsonPrimitive()
                            || !e.getValue().getAsJsonPrimitive().isNumber()) {
                        throw new TokenizerException(
                                dir.resolve("vocab.json")
                                        + ": the id of '"
                                        + e.getKey()
                                        + "' is not a number");
                    }
                    vocab.put(e.getKey(), e.getValue().getAsInt());
                }
                definition =
                        TokenizerDefinitions.gpt2ByteLevelBpe(
                                vocab, readMerges(dir.resolve("merges.txt")));
                source = Source.GPT2_BPE;
            } else {
                throw new TokenizerException(
                        "no tokenizer in "
                                + dir
                                + ": expected tokenizer.json, vocab.txt (BERT), or vocab.json"
                                + " + merges.txt (GPT-2)");
            }
            Map<String, Integer> vocab = vocabOf(definition, dir);
            checkPostProcessor(definition.get("post_processor"), dir);
            if (maxLength < 0) {
                maxLength = ModelConfigs.maxLength(dir).orElse(512);
            }
            int pad = padId != null ? padId : defaultPadId(vocab);
            HuggingFaceTokenizer tokenizer;
            try {
                tokenizer =
                        load(
                                definition.toString(),
                                options(addSpecialTokens, truncation, maxLength));
            } catch (IOException | RuntimeException e) {
                throw new TokenizerException(
                        dir + " does not hold a tokenizer HF tokenizers accepts: " + e.getMessage(),
                        e);
            }
            return new TextTokenizer(this, tokenizer, source, vocab, pad, definition);
        }

        private static int defaultPadId(Map<String, Integer> vocab) {
            for (String p : List.of("[PAD]", "<pad>", "<|pad|>", TokenizerDefinitions.GPT2_EOS)) {
                if (vocab.containsKey(p)) {
                    return vocab.get(p);
                }
            }
            return 0;
        }
    }

    /**
     * Refuses a template post-processor that names a special token its {@code special_tokens} do
     * not define: HF tokenizers (Rust, inside DJL) panics on it while encoding, which aborts the
     * JVM (found by fuzzing; see TokenizerFilesFuzzTest).
     */
    private static void checkPostProcessor(JsonElement pp, Path dir) throws TokenizerException {
        if (pp == null || !pp.isJsonObject()) {
            return;
        }
        JsonObject o = pp.getAsJsonObject();
        JsonElement type = o.get("type");
        String t = type != null && type.isJsonPrimitive() ? type.getAsString() : "";
        // HF tokenizers reads post-processors by their fields, not only by their type: a
        // misspelt type with a template's fields is still read as a template (found by fuzzing),
        // so the checks go by shape.
        if (o.get("processors") instanceof JsonArray list) {
            for (JsonElement p : list) {
                checkPostProcessor(p, dir);
            }
            return;
        }
        if (!t.equals("TemplateProcessing")
                && !o.has("single")
                && !o.has("pair")
                && !o.has("special_tokens")) {
            return;
        }
        JsonObject special =
                o.get("special_tokens") instanceof JsonObject sp ? sp : new JsonObject();
        for (var e : special.entrySet()) {
            if (!(e.getValue() instanceof JsonObject st)
                    || !(st.get("ids") instanceof JsonArray ids)
                    || !(st.get("tokens") instanceof JsonArray tokens)
                    || ids.size() != tokens.size()) {
                throw new TokenizerException(
                        dir.resolve("tokenizer.json")
                                + ": the post_processor's special token '"
                                + e.getKey()
                                + "' needs ids and tokens of the same length");
            }
        }
        for (String which : new String[] {"single", "pair"}) {
            if (!(o.get(which) instanceof JsonArray pieces)) {
                continue;
            }
            for (JsonElement piece : pieces) {
                JsonElement id =
                        piece instanceof JsonObject p
                                        && p.get("SpecialToken") instanceof JsonObject st
                                ? st.get("id")
                                : null;
                if (id != null && (!id.isJsonPrimitive() || !special.has(id.getAsString()))) {
                    throw new TokenizerException(
                            dir.resolve("tokenizer.json")
                                    + ": the post_processor's "
                                    + which
                                    + " template uses the special token "
                                    + id
                                    + ", which its special_tokens do not define");
                }
            }
        }
    }

    private static Map<String, Integer> vocabOf(JsonObject definition, Path dir)
            throws TokenizerException {
        try {
            return vocabEntries(definition, dir);
        } catch (IllegalStateException
                | UnsupportedOperationException
                | NullPointerException
                | NumberFormatException
                | ClassCastException e) {
            // a token without an id, an id that is not a number, an entry that is not an object
            throw new TokenizerException(
                    dir.resolve("tokenizer.json")
                            + " is not a tokenizer: its vocabulary or added_tokens are malformed ("
                            + e.getMessage()
                            + ")",
                    e);
        }
    }

    private static Map<String, Integer> vocabEntries(JsonObject definition, Path dir)
            throws TokenizerException {
        Map<String, Integer> vocab = new HashMap<>();
        JsonElement model = definition.get("model");
        if (model != null
                && model.isJsonObject()
                && model.getAsJsonObject().get("vocab") instanceof JsonObject v) {
            for (var e : v.entrySet()) {
                vocab.put(e.getKey(), e.getValue().getAsInt());
            }
        } else if (model == null || !model.isJsonObject()) {
            throw new TokenizerException(
                    dir.resolve("tokenizer.json") + " is not a tokenizer: it has no \"model\"");
        }
        if (definition.get("added_tokens") != null
                && definition.get("added_tokens").isJsonArray()) {
            for (JsonElement t : definition.getAsJsonArray("added_tokens")) {
                JsonObject o = t.getAsJsonObject();
                vocab.put(o.get("content").getAsString(), o.get("id").getAsInt());
            }
        }
        return vocab;
    }

    static JsonObject parseJson(Path file) throws TokenizerException {
        try {
            JsonElement e = JsonParser.parseString(readUtf8(file));
            if (!e.isJsonObject()) {
                throw new TokenizerException(
                        file + " is not a tokenizer file: its JSON is not an object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new TokenizerException(
                    file + " is not a tokenizer file: invalid JSON (" + e.getMessage() + ")", e);
        }
    }

    static String readUtf8(Path file) throws TokenizerException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new TokenizerException(
                    file + " is not valid UTF-8; tokenizer files must be UTF-8", e);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static Map<String, Integer> readVocabTxt(Path file) throws TokenizerException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        String[] lines = readUtf8(file).split("\n", -1);
        int id = 0;
        for (int i = 0; i < lines.length; i++) {
            String token =
                    lines[i].endsWith("\r")
                            ? lines[i].substring(0, lines[i].length() - 1)
                            : lines[i];
            if (i == lines.length - 1 && token.isEmpty()) {
                break; // the final newline
            }
            vocab.putIfAbsent(token, id++);
        }
        if (vocab.isEmpty()) {
            throw new TokenizerException(file + " is empty: a vocab.txt has one token a line");
        }
        return vocab;
    }

    static List<String> readMerges(Path file) throws TokenizerException {
        List<String> merges = new ArrayList<>();
        for (String line : readUtf8(file).split("\n")) {
            if (line.startsWith("#version") || line.isBlank()) {
                continue;
            }
            String m = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (m.split(" ").length != 2) {
                throw new TokenizerException(
                        file + ": merge '" + m + "' is not two tokens separated by a space");
            }
            merges.add(m);
        }
        return merges;
    }
}
