package dev.hubtune.tokenizers.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Reads token-classification data into {@link TaggedSentence}s, from either of the two formats such
 * data comes in:
 *
 * <ul>
 *   <li><b>CoNLL</b>: one word a line, its columns separated by whitespace, the word first and the
 *       tag in the last column (or {@link Builder#optTagColumn}); blank lines end sentences; {@code
 *       -DOCSTART-} lines are skipped, as every CoNLL-2003 reader does.
 *   <li><b>JSONL</b>: one sentence a line, either {@code {"tokens": [...], "tags": [...]}} (the
 *       layout of HF datasets) or {@code {"text": "...", "entities": [...]}} with character-offset
 *       entities, each {@code {"start": 0, "end": 5, "label": "PER"}} or {@code [0, 5, "PER"]}
 *       (spaCy's). Text with entities becomes words split at whitespace and at entity boundaries,
 *       tagged in IOB2 ({@code B-} on an entity's first word, {@code I-} on the rest).
 * </ul>
 *
 * <p>Every problem is a {@link DatasetException} naming the file, the line and the fix.
 *
 * <pre>{@code
 * List<TaggedSentence> train = TaggedSentenceReader.builder().setFile(conll).build().readAll();
 * }</pre>
 */
public final class TaggedSentenceReader {

    /** File formats. */
    public enum Format {
        /** Word and tag columns, blank lines between sentences. */
        CONLL,
        /** One JSON object a line. */
        JSONL
    }

    private static final String DOCSTART = "-DOCSTART-";

    private final Path file;
    private final Format format;
    private final int tagColumn;
    private final String tokensField;
    private final String tagsField;
    private final String textField;
    private final String entitiesField;
    private final Charset charset;

    private TaggedSentenceReader(Builder b) {
        this.file = b.file;
        this.format = b.format != null ? b.format : guessFormat(b.file);
        this.tagColumn = b.tagColumn;
        this.tokensField = b.tokensField;
        this.tagsField = b.tagsField;
        this.textField = b.textField;
        this.entitiesField = b.entitiesField;
        this.charset = b.charset;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The format being read. */
    public Format format() {
        return format;
    }

    /** Every sentence of the file, in order. */
    public List<TaggedSentence> readAll() throws DatasetException {
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(
                                Files.newInputStream(file),
                                charset.newDecoder()
                                        .onMalformedInput(CodingErrorAction.REPORT)
                                        .onUnmappableCharacter(CodingErrorAction.REPORT)),
                        1 << 16)) {
            List<TaggedSentence> out = format == Format.CONLL ? conll(reader) : jsonl(reader);
            if (out.isEmpty()) {
                throw new DatasetException(
                        file
                                + " holds no sentences; "
                                + (format == Format.CONLL
                                        ? "CoNLL needs a word and its tag a line"
                                        : "JSONL needs one object with tokens and tags (or text"
                                                + " and entities) a line"));
            }
            return out;
        } catch (CharacterCodingException e) {
            throw new DatasetException(
                    file + " is not valid text in " + charset + "; save it as UTF-8", e);
        } catch (IOException | UncheckedIOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private List<TaggedSentence> conll(BufferedReader reader) throws IOException, DatasetException {
        List<TaggedSentence> out = new ArrayList<>();
        List<String> words = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        long start = 0;
        long lineNumber = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith(DOCSTART)) {
                if (!words.isEmpty()) {
                    out.add(new TaggedSentence(words, tags, start));
                    words = new ArrayList<>();
                    tags = new ArrayList<>();
                }
                continue;
            }
            String[] columns = trimmed.split("\\s+");
            if (columns.length < 2) {
                throw new DatasetException(
                        file
                                + ":"
                                + lineNumber
                                + " has a single column ('"
                                + trimmed
                                + "'); CoNLL needs the word and its tag on each line, separated by"
                                + " whitespace");
            }
            int tag = tagColumn < 0 ? columns.length - 1 : tagColumn;
            if (tag == 0 || tag >= columns.length) {
                throw new DatasetException(
                        file
                                + ":"
                                + lineNumber
                                + " has "
                                + columns.length
                                + " columns, so tag column "
                                + tag
                                + " does not exist; the word is column 0 and the tag column must"
                                + " be 1.."
                                + (columns.length - 1));
            }
            if (words.isEmpty()) {
                start = lineNumber;
            }
            words.add(columns[0]);
            tags.add(columns[tag]);
        }
        if (!words.isEmpty()) {
            out.add(new TaggedSentence(words, tags, start));
        }
        return out;
    }

    private List<TaggedSentence> jsonl(BufferedReader reader) throws IOException, DatasetException {
        List<TaggedSentence> out = new ArrayList<>();
        long lineNumber = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            JsonObject o;
            try {
                JsonElement e = JsonParser.parseString(line);
                if (!e.isJsonObject()) {
                    throw new DatasetException(
                            file
                                    + ":"
                                    + lineNumber
                                    + " is not a JSON object; JSONL needs one object a line");
                }
                o = e.getAsJsonObject();
            } catch (JsonParseException ex) {
                throw new DatasetException(
                        file + ":" + lineNumber + " is not valid JSON (" + ex.getMessage() + ")",
                        ex);
            }
            if (o.has(tokensField)) {
                out.add(tokensAndTags(o, lineNumber));
            } else if (o.has(textField) && o.has(entitiesField)) {
                TaggedSentence s = textAndEntities(o, lineNumber);
                if (s != null) {
                    out.add(s);
                }
            } else {
                throw new DatasetException(
                        file
                                + ":"
                                + lineNumber
                                + " has neither '"
                                + tokensField
                                + "' and '"
                                + tagsField
                                + "' nor '"
                                + textField
                                + "' and '"
                                + entitiesField
                                + "'; its fields are "
                                + o.keySet());
            }
        }
        return out;
    }

    private TaggedSentence tokensAndTags(JsonObject o, long line) throws DatasetException {
        List<String> words = strings(o, tokensField, line, "words");
        List<String> tags = strings(o, tagsField, line, "tags such as \"B-PER\" or \"O\"");
        if (words.size() != tags.size()) {
            throw new DatasetException(
                    file
                            + ":"
                            + line
                            + " has "
                            + words.size()
                            + " "
                            + tokensField
                            + " but "
                            + tags.size()
                            + " "
                            + tagsField
                            + "; every word needs exactly one tag");
        }
        if (words.isEmpty()) {
            throw new DatasetException(file + ":" + line + " has no " + tokensField);
        }
        for (String w : words) {
            if (w.isBlank()) {
                throw new DatasetException(
                        file + ":" + line + " has an empty or blank word; remove it (and its tag)");
            }
        }
        return new TaggedSentence(words, tags, line);
    }

    private List<String> strings(JsonObject o, String field, long line, String what)
            throws DatasetException {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonArray()) {
            throw new DatasetException(
                    file + ":" + line + ": '" + field + "' must be an array of " + what);
        }
        List<String> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
                throw new DatasetException(
                        file
                                + ":"
                                + line
                                + ": '"
                                + field
                                + "' holds "
                                + x
                                + "; it must hold "
                                + what
                                + (x.isJsonPrimitive() && x.getAsJsonPrimitive().isNumber()
                                        ? " (map tag ids to their names first, e.g. with the"
                                                + " dataset's label list)"
                                        : ""));
            }
            out.add(x.getAsString());
        }
        return out;
    }

    /** A character span and its entity type. */
    private record Span(int start, int end, String type) {}

    private TaggedSentence textAndEntities(JsonObject o, long line) throws DatasetException {
        JsonElement t = o.get(textField);
        if (!t.isJsonPrimitive()) {
            throw new DatasetException(file + ":" + line + ": '" + textField + "' is not a string");
        }
        String text = t.getAsString();
        if (text.isBlank()) {
            return null;
        }
        JsonElement es = o.get(entitiesField);
        if (!es.isJsonArray()) {
            throw new DatasetException(
                    file + ":" + line + ": '" + entitiesField + "' must be an array of entities");
        }
        List<Span> spans = new ArrayList<>();
        for (JsonElement e : es.getAsJsonArray()) {
            spans.add(span(e, text, line));
        }
        spans.sort(Comparator.comparingInt(Span::start));
        for (int i = 1; i < spans.size(); i++) {
            if (spans.get(i).start() < spans.get(i - 1).end()) {
                throw new DatasetException(
                        file
                                + ":"
                                + line
                                + ": entities "
                                + describe(spans.get(i - 1), text)
                                + " and "
                                + describe(spans.get(i), text)
                                + " overlap; token classification needs disjoint entities");
            }
        }
        // Words: maximal runs of non-whitespace, also cut at every entity boundary, so that each
        // word lies wholly inside or outside an entity.
        TreeSet<Integer> cuts = new TreeSet<>();
        for (Span s : spans) {
            cuts.add(s.start());
            cuts.add(s.end());
        }
        List<String> words = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        int si = 0;
        int i = 0;
        boolean[] opened = new boolean[spans.size()];
        while (i < text.length()) {
            if (Character.isWhitespace(text.charAt(i))) {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < text.length()
                    && !Character.isWhitespace(text.charAt(j))
                    && !cuts.contains(j)) {
                j++;
            }
            while (si < spans.size() && spans.get(si).end() <= i) {
                si++;
            }
            String tag = "O";
            if (si < spans.size() && spans.get(si).start() <= i) {
                tag = (opened[si] ? "I-" : "B-") + spans.get(si).type();
                opened[si] = true;
            }
            words.add(text.substring(i, j));
            tags.add(tag);
            i = j;
        }
        for (int k = 0; k < spans.size(); k++) {
            if (!opened[k]) {
                throw new DatasetException(
                        file
                                + ":"
                                + line
                                + ": entity "
                                + describe(spans.get(k), text)
                                + " covers only whitespace");
            }
        }
        return new TaggedSentence(words, tags, line);
    }

    private Span span(JsonElement e, String text, long line) throws DatasetException {
        int start;
        int end;
        String type;
        try {
            if (e.isJsonArray()) {
                JsonArray a = e.getAsJsonArray();
                if (a.size() < 3) {
                    throw new IllegalStateException("needs [start, end, label]");
                }
                start = a.get(0).getAsInt();
                end = a.get(1).getAsInt();
                type = a.get(2).getAsString();
            } else {
                JsonObject s = e.getAsJsonObject();
                start = s.get("start").getAsInt();
                end = s.get("end").getAsInt();
                JsonElement label = s.has("label") ? s.get("label") : s.get("type");
                type = label.getAsString();
            }
        } catch (RuntimeException bad) {
            throw new DatasetException(
                    file
                            + ":"
                            + line
                            + ": entity "
                            + e
                            + " is not {\"start\": S, \"end\": E, \"label\": L} nor [S, E, L]",
                    bad);
        }
        if (start < 0 || end > text.length() || start >= end) {
            throw new DatasetException(
                    file
                            + ":"
                            + line
                            + ": entity "
                            + e
                            + " is outside the text (0.."
                            + text.length()
                            + ") or empty; start and end are character offsets, end exclusive");
        }
        if (type.isBlank() || type.matches("^[BIELSU]-.*")) {
            throw new DatasetException(
                    file
                            + ":"
                            + line
                            + ": entity "
                            + e
                            + " needs a plain type such as PER (the B-/I- tags are derived)");
        }
        return new Span(start, end, type);
    }

    private static String describe(Span s, String text) {
        return "'" + text.substring(s.start(), s.end()) + "' [" + s.start() + ", " + s.end() + ")";
    }

    private static Format guessFormat(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")
                ? Format.JSONL
                : Format.CONLL;
    }

    /** Builder of a {@link TaggedSentenceReader}. */
    public static final class Builder {
        private Path file;
        private Format format;
        private int tagColumn = -1;
        private String tokensField = "tokens";
        private String tagsField = "tags";
        private String textField = "text";
        private String entitiesField = "entities";
        private Charset charset = StandardCharsets.UTF_8;

        Builder() {}

        /** The file (required). */
        public Builder setFile(Path file) {
            this.file = Objects.requireNonNull(file);
            return this;
        }

        /** The format (default: JSONL for .jsonl/.json/.ndjson, CoNLL otherwise). */
        public Builder optFormat(Format format) {
            this.format = Objects.requireNonNull(format);
            return this;
        }

        /**
         * CoNLL: the column of the tag, 0 being the word (default: the last column, e.g. the NER
         * column of CoNLL-2003's {@code word POS chunk NER}).
         */
        public Builder optTagColumn(int column) {
            if (column < 1) {
                throw new IllegalArgumentException(
                        "the tag column must be 1 or more (column 0 is the word), got " + column);
            }
            this.tagColumn = column;
            return this;
        }

        /** JSONL: the field of the words (default {@code tokens}). */
        public Builder optTokensField(String field) {
            this.tokensField = Objects.requireNonNull(field);
            return this;
        }

        /** JSONL: the field of the tags (default {@code tags}). */
        public Builder optTagsField(String field) {
            this.tagsField = Objects.requireNonNull(field);
            return this;
        }

        /** JSONL: the field of the text of character-offset data (default {@code text}). */
        public Builder optTextField(String field) {
            this.textField = Objects.requireNonNull(field);
            return this;
        }

        /** JSONL: the field of the character-offset entities (default {@code entities}). */
        public Builder optEntitiesField(String field) {
            this.entitiesField = Objects.requireNonNull(field);
            return this;
        }

        /** The encoding (default UTF-8; invalid bytes are an error). */
        public Builder optCharset(Charset charset) {
            this.charset = Objects.requireNonNull(charset);
            return this;
        }

        /** Checks the file exists and builds. */
        public TaggedSentenceReader build() throws DatasetException {
            if (file == null) {
                throw new IllegalStateException("setFile is required");
            }
            if (!Files.isRegularFile(file)) {
                throw new DatasetException(
                        "no dataset file at "
                                + file.toAbsolutePath()
                                + "; check the path (a CoNLL or JSONL file)");
            }
            return new TaggedSentenceReader(this);
        }
    }
}
