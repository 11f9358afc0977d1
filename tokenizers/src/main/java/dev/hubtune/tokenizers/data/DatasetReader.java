package dev.hubtune.tokenizers.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams labelled examples from a CSV, TSV (Apache Commons CSV) or JSONL file, one at a time, so a
 * file larger than memory works. Bad records are errors naming the file and line, except empty
 * texts, which are skipped and counted ({@link #skipped()}), never silently. A JSONL label that is
 * an array (the labels of a multi-label example) reads as its elements joined by commas.
 *
 * <pre>{@code
 * try (DatasetReader r = DatasetReader.builder().setFile(csv).setTextColumn("text")
 *         .optLabelColumn("label").build()) {
 *     for (Example e : r) { ... }
 * }
 * }</pre>
 */
public final class DatasetReader implements Iterable<Example>, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetReader.class);

    /** File formats. */
    public enum Format {
        /** Comma-separated with a header row. */
        CSV,
        /** Tab-separated with a header row. */
        TSV,
        /** One JSON object a line. */
        JSONL
    }

    private final Path file;
    private final Format format;
    private final String textColumn;
    private final String pairColumn;
    private final String labelColumn;
    private final int maxChars;
    private final boolean emptyLabels;
    private final Charset charset;
    private final BufferedReader reader;
    private final CSVParser csv;
    private final Iterator<CSVRecord> records;
    private long skipped;
    private long lineNumber;
    private boolean iterated;

    private DatasetReader(Builder b) throws DatasetException {
        this.file = b.file;
        this.format = b.format != null ? b.format : guessFormat(b.file);
        this.textColumn = b.textColumn;
        this.pairColumn = b.pairColumn;
        this.labelColumn = b.labelColumn;
        this.maxChars = b.maxChars;
        this.emptyLabels = b.emptyLabels;
        this.charset = b.charset;
        try {
            if (Files.size(file) == 0) {
                throw new DatasetException(
                        file + " is empty; a dataset needs a header and at least one record");
            }
            CharsetDecoder decoder =
                    b.charset
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT);
            reader =
                    new BufferedReader(
                            new InputStreamReader(Files.newInputStream(file), decoder), 1 << 16);
            // A byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name.
            reader.mark(1);
            if (reader.read() != '\uFEFF') {
                reader.reset();
            }
            if (format == Format.JSONL) {
                csv = null;
                records = null;
            } else {
                CSVFormat f =
                        (format == Format.TSV ? CSVFormat.TDF : CSVFormat.DEFAULT)
                                .builder()
                                .setDelimiter(
                                        b.delimiter != null
                                                ? b.delimiter
                                                : (format == Format.TSV ? '\t' : ','))
                                .setHeader()
                                .setSkipHeaderRecord(true)
                                .setIgnoreEmptyLines(true)
                                // "text,label," (a trailing delimiter, as spreadsheets write)
                                .setAllowMissingColumnNames(true)
                                .build();
                try {
                    csv = CSVParser.parse(reader, f);
                } catch (IllegalArgumentException e) {
                    throw new DatasetException(
                            file
                                    + ": its header row cannot name the columns ("
                                    + e.getMessage()
                                    + "); give every column a distinct name");
                }
                List<String> columns = csv.getHeaderNames();
                for (String c : new String[] {textColumn, pairColumn, labelColumn}) {
                    if (c != null && !columns.contains(c)) {
                        throw new DatasetException(
                                file
                                        + " has no column '"
                                        + c
                                        + "'; its columns are "
                                        + columns
                                        + ". Pass the right name (e.g. --text-column).");
                    }
                }
                records = csv.iterator();
            }
        } catch (IOException | UncheckedIOException e) {
            throw new DatasetException(readError(e), e);
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Examples skipped because their text was empty. */
    public long skipped() {
        return skipped;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /**
     * The examples, in file order; iterate once. Errors surface as {@link DatasetException} wrapped
     * in an unchecked {@link DatasetReader.Failure}; use {@link #next()} to get them checked.
     */
    @Override
    public Iterator<Example> iterator() {
        if (iterated) {
            throw new IllegalStateException(
                    "a DatasetReader streams its file once; open a new one");
        }
        iterated = true;
        return new Iterator<>() {
            private Example next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    try {
                        next = DatasetReader.this.next().orElse(null);
                    } catch (DatasetException e) {
                        throw new Failure(e);
                    }
                }
                return next != null;
            }

            @Override
            public Example next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Example e = next;
                next = null;
                return e;
            }
        };
    }

    /** The next example, or empty at the end of the file. */
    public Optional<Example> next() throws DatasetException {
        while (true) {
            Optional<Example> e;
            try {
                e = format == Format.JSONL ? nextJson() : nextCsv();
            } catch (UncheckedIOException | IllegalStateException ex) {
                if (isCodingError(ex)) {
                    throw new DatasetException(encodingError(), ex);
                }
                // Commons CSV reports malformed quoting as IllegalStateException /
                // UncheckedIOException.
                throw new DatasetException(
                        file
                                + ": malformed record near line "
                                + (lineNumber + 1)
                                + " ("
                                + rootMessage(ex)
                                + "). Check quoting: a field with the delimiter, a quote or a newline"
                                + " must be in double quotes, with inner quotes doubled.",
                        ex);
            } catch (IOException ex) {
                throw new DatasetException(readError(ex), ex);
            }
            if (e.isEmpty()) {
                if (skipped > 0) {
                    LOG.info("{}: skipped {} record(s) with an empty text", file, skipped);
                }
                return e;
            }
            if (e.get().text().isBlank() || e.get().pair().map(String::isBlank).orElse(false)) {
                skipped++;
                continue;
            }
            if (!emptyLabels && e.get().label().map(String::isEmpty).orElse(false)) {
                throw new DatasetException(
                        file
                                + ": the record at line "
                                + e.get().line()
                                + " has an empty '"
                                + labelColumn
                                + "'; give it a label or remove the record");
            }
            return e;
        }
    }

    private Optional<Example> nextCsv() throws DatasetException {
        if (!records.hasNext()) {
            return Optional.empty();
        }
        CSVRecord r = records.next();
        lineNumber = csv.getCurrentLineNumber();
        if (!r.isConsistent()) {
            throw new DatasetException(
                    file
                            + ": record at line "
                            + lineNumber
                            + " has "
                            + r.size()
                            + " fields, the header has "
                            + csv.getHeaderNames().size()
                            + ". Check quoting and delimiters on that line.");
        }
        for (String c : new String[] {textColumn, pairColumn, labelColumn}) {
            // a header with unnamed columns can map a name past a short record's end
            if (c != null && !r.isSet(c)) {
                throw new DatasetException(
                        file
                                + ": record at line "
                                + lineNumber
                                + " has no value for column '"
                                + c
                                + "' ("
                                + r.size()
                                + " fields). Check quoting and delimiters on that line.");
            }
        }
        return Optional.of(
                example(
                        r.get(textColumn),
                        pairColumn == null ? null : r.get(pairColumn),
                        labelColumn == null ? null : r.get(labelColumn),
                        lineNumber));
    }

    private Optional<Example> nextJson() throws IOException, DatasetException {
        String line;
        do {
            line = reader.readLine();
            lineNumber++;
            if (line == null) {
                return Optional.empty();
            }
        } while (line.isBlank());
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
                    file + ":" + lineNumber + " is not valid JSON (" + ex.getMessage() + ")", ex);
        }
        for (String c : new String[] {textColumn, pairColumn, labelColumn}) {
            if (c != null && (!o.has(c) || o.get(c).isJsonNull())) {
                throw new DatasetException(
                        file
                                + ":"
                                + lineNumber
                                + " has no field '"
                                + c
                                + "'; its fields are "
                                + o.keySet());
            }
        }
        return Optional.of(
                example(
                        string(o, textColumn),
                        pairColumn == null ? null : string(o, pairColumn),
                        labelColumn == null ? null : label(o, labelColumn),
                        lineNumber));
    }

    /** A text field: a JSON string (or number or boolean), anything else an error naming it. */
    private String string(JsonObject o, String field) throws DatasetException {
        JsonElement e = o.get(field);
        if (!e.isJsonPrimitive()) {
            throw new DatasetException(
                    file
                            + ":"
                            + lineNumber
                            + ": field '"
                            + field
                            + "' is "
                            + (e.isJsonObject() ? "an object" : "a list")
                            + ", not a text; give it a string value");
        }
        return e.getAsString();
    }

    /**
     * A JSON label as text: a string or number as it is, an array (a multi-label example's labels)
     * as its elements joined by commas.
     */
    private String label(JsonObject o, String field) throws DatasetException {
        JsonElement e = o.get(field);
        if (e.isJsonPrimitive()) {
            return e.getAsString();
        }
        List<String> parts = new java.util.ArrayList<>();
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                if (!x.isJsonPrimitive()) {
                    parts = null;
                    break;
                }
                parts.add(x.getAsString());
            }
        }
        if (parts == null || e.isJsonObject()) {
            throw new DatasetException(
                    file
                            + ":"
                            + lineNumber
                            + ": label field '"
                            + field
                            + "' must be a string, a number or a list of them, not "
                            + e);
        }
        return String.join(",", parts);
    }

    private Example example(String text, String pair, String label, long line)
            throws DatasetException {
        if (text.length() > maxChars || (pair != null && pair.length() > maxChars)) {
            throw new DatasetException(
                    file
                            + ": the record at line "
                            + line
                            + " has a text of "
                            + Math.max(text.length(), pair == null ? 0 : pair.length())
                            + " characters, over the limit of "
                            + maxChars
                            + ". It is probably a quoting error that swallowed following lines; otherwise raise the limit.");
        }
        Optional<String> l = Optional.ofNullable(label).map(String::trim);
        return new Example(text, Optional.ofNullable(pair), l, line);
    }

    private String readError(Exception e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        if (root instanceof CharacterCodingException) {
            return encodingError();
        }
        return "cannot read " + file + ": " + root.getMessage();
    }

    private String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    private static boolean isCodingError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CharacterCodingException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The file is not valid text: names the line of the first bad byte. The buffered reader decodes
     * ahead of the parser, so the parser's line is not where the byte is; the file is decoded
     * again, counting lines, to find it.
     */
    private String encodingError() {
        String where;
        try {
            long[] at = firstMalformed(file, charset);
            where = at == null ? "" : " at line " + at[0] + " (byte " + at[1] + ")";
        } catch (IOException e) {
            where = "";
        }
        return file
                + " is not valid "
                + charset.name()
                + where
                + "; save it as "
                + charset.name()
                + " (e.g. iconv -f ISO-8859-1 -t UTF-8 in.csv > out.csv)";
    }

    /** The line (1-based) and byte offset of the first byte {@code cs} cannot decode, or null. */
    static long[] firstMalformed(Path file, Charset cs) throws IOException {
        CharsetDecoder d =
                cs.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(1 << 16);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(1 << 16);
        long line = 1;
        long consumed = 0;
        try (java.io.InputStream s = Files.newInputStream(file)) {
            boolean eof = false;
            while (true) {
                if (!eof) {
                    int n = s.read(in.array(), in.position(), in.remaining());
                    if (n < 0) {
                        eof = true;
                    } else {
                        in.position(in.position() + n);
                    }
                }
                in.flip();
                int before = in.position();
                java.nio.charset.CoderResult r = d.decode(in, out, eof);
                out.flip();
                while (out.hasRemaining()) {
                    if (out.get() == '\n') {
                        line++;
                    }
                }
                out.clear();
                consumed += in.position() - before;
                if (r.isError()) {
                    return new long[] {line, consumed};
                }
                in.compact();
                if (eof && in.position() == 0) {
                    return null;
                }
                if (eof && r.isUnderflow()) {
                    return null;
                }
            }
        }
    }

    private static Format guessFormat(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return Format.JSONL;
        }
        return name.endsWith(".tsv") || name.endsWith(".tab") ? Format.TSV : Format.CSV;
    }

    @Override
    public void close() throws IOException {
        if (csv != null) {
            csv.close();
        }
        reader.close();
    }

    /** A {@link DatasetException} thrown through {@link Iterator}. */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(DatasetException cause) {
            super(cause.getMessage(), cause);
        }

        /** The checked exception. */
        public DatasetException exception() {
            return (DatasetException) getCause();
        }
    }

    /** Builder of a {@link DatasetReader}. */
    public static final class Builder {
        private Path file;
        private Format format;
        private Character delimiter;
        private Charset charset = StandardCharsets.UTF_8;
        private String textColumn;
        private String pairColumn;
        private String labelColumn;
        private int maxChars = 1_000_000;
        private boolean emptyLabels;

        Builder() {}

        /** The file (required). */
        public Builder setFile(Path file) {
            this.file = Objects.requireNonNull(file);
            return this;
        }

        /** The column (or JSON field) holding the text (required). */
        public Builder setTextColumn(String column) {
            this.textColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The column of the second text, for pair tasks. */
        public Builder optTextPairColumn(String column) {
            this.pairColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The column holding the label. */
        public Builder optLabelColumn(String column) {
            this.labelColumn = Objects.requireNonNull(column);
            return this;
        }

        /** The format (default: from the extension; .jsonl, .tsv, else CSV). */
        public Builder optFormat(Format format) {
            this.format = Objects.requireNonNull(format);
            return this;
        }

        /** The delimiter of a CSV (default ',' or tab for TSV). */
        public Builder optDelimiter(char delimiter) {
            this.delimiter = delimiter;
            return this;
        }

        /** The encoding (default UTF-8; invalid bytes are an error, never replaced). */
        public Builder optCharset(Charset charset) {
            this.charset = Objects.requireNonNull(charset);
            return this;
        }

        /** The longest text accepted, in characters (default 1,000,000). */
        public Builder optMaxChars(int maxChars) {
            if (maxChars < 1) {
                throw new IllegalArgumentException("max chars must be positive, got " + maxChars);
            }
            this.maxChars = maxChars;
            return this;
        }

        /**
         * Accept an empty label cell (a multi-label example with no labels); by default it is an
         * error naming the line, never a class named "".
         */
        public Builder optAllowEmptyLabels(boolean allow) {
            this.emptyLabels = allow;
            return this;
        }

        /** Opens the file and checks the header. */
        public DatasetReader build() throws DatasetException {
            if (file == null || textColumn == null) {
                throw new IllegalStateException("setFile and setTextColumn are required");
            }
            if (!Files.isRegularFile(file)) {
                throw new DatasetException(
                        "no dataset file at "
                                + file.toAbsolutePath()
                                + "; check the path (a CSV, TSV or JSONL file)");
            }
            return new DatasetReader(this);
        }
    }
}
