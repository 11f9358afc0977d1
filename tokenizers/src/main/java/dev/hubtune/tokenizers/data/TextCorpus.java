package dev.hubtune.tokenizers.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The documents of a language-modelling corpus: a plain-text file ({@code .txt}, {@code .md},
 * {@code .text}; documents separated by blank lines, line breaks inside a document kept), or a
 * dataset file read by {@link DatasetReader} ({@code .jsonl}: one document per object in a text
 * field; {@code .csv}/{@code .tsv}: one per row in a text column).
 */
public final class TextCorpus {

    private TextCorpus() {}

    /** Whether {@code file} is read as plain text (by its extension). */
    public static boolean isPlainText(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".txt") || name.endsWith(".text") || name.endsWith(".md");
    }

    /**
     * The documents of {@code file} in order; {@code field} names the text field or column of
     * dataset files.
     *
     * @throws DatasetException when the file is missing, unreadable, not UTF-8 or holds no text
     */
    public static List<String> documents(Path file, String field) throws DatasetException {
        List<String> docs = isPlainText(file) ? paragraphs(file) : records(file, field);
        if (docs.isEmpty()) {
            throw new DatasetException(
                    file + " holds no text; a corpus needs at least one non-empty document");
        }
        return docs;
    }

    private static List<String> paragraphs(Path file) throws DatasetException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(
                    "no corpus file at " + file.toAbsolutePath() + "; check the path");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new DatasetException(
                    file + " is not UTF-8 text; convert it (e.g. iconv -t UTF-8) and retry", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<String> docs = new ArrayList<>();
        StringBuilder doc = new StringBuilder();
        for (String line : text.split("\\R", -1)) {
            if (line.isBlank()) {
                flush(doc, docs);
            } else {
                if (doc.length() > 0) {
                    doc.append('\n');
                }
                doc.append(line);
            }
        }
        flush(doc, docs);
        return docs;
    }

    private static void flush(StringBuilder doc, List<String> docs) {
        if (doc.length() > 0) {
            docs.add(doc.toString());
            doc.setLength(0);
        }
    }

    private static List<String> records(Path file, String field) throws DatasetException {
        List<String> docs = new ArrayList<>();
        try (DatasetReader r =
                DatasetReader.builder()
                        .setFile(file)
                        .setTextColumn(field)
                        .optMaxChars(Integer.MAX_VALUE)
                        .build()) {
            Optional<Example> e;
            while ((e = r.next()).isPresent()) {
                docs.add(e.get().text());
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return docs;
    }
}
