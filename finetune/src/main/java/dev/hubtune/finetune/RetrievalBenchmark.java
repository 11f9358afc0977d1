package dev.hubtune.finetune;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * An information-retrieval evaluation set in BEIR's layout, the one sentence-transformers' {@code
 * InformationRetrievalEvaluator} and the MTEB retrieval tasks use: {@code queries.jsonl} ({@code
 * {"_id": "q1", "text": "…"}} a line), {@code corpus.jsonl} ({@code {"_id": "d1", "title": "…",
 * "text": "…"}}; the title, when there is one, goes before the text as BEIR encodes it) and {@code
 * qrels.tsv} ({@code query-id}, {@code corpus-id}, {@code score} with a header line; a score above
 * 0 marks a relevant document). Only queries with a relevant document are evaluated, against the
 * whole corpus.
 *
 * @param queries query id → text, of the queries that have a relevant document
 * @param corpus document id → text
 * @param relevant query id → ids of its relevant documents
 */
public record RetrievalBenchmark(
        Map<String, String> queries,
        Map<String, String> corpus,
        Map<String, Set<String>> relevant) {

    /** The longest line read (a record past it is an error naming its line, not a huge buffer). */
    static final int MAX_LINE_CHARS = 1 << 20;

    /** Copies the maps (insertion order kept). */
    public RetrievalBenchmark {
        queries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(queries));
        corpus = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(corpus));
        Map<String, Set<String>> r = new LinkedHashMap<>();
        relevant.forEach((q, d) -> r.put(q, Set.copyOf(d)));
        relevant = java.util.Collections.unmodifiableMap(r);
    }

    /**
     * Reads the three files.
     *
     * @throws FinetuneException naming the file and line of the first problem
     */
    public static RetrievalBenchmark read(Path queries, Path corpus, Path qrels)
            throws FinetuneException {
        Map<String, String> allQueries = readJsonl(queries, false);
        Map<String, String> docs = readJsonl(corpus, true);
        if (docs.isEmpty()) {
            throw new FinetuneException(corpus + " has no documents; write one JSON object a line");
        }
        Map<String, Set<String>> relevant = new LinkedHashMap<>();
        try (BufferedReader in = reader(qrels)) {
            String line;
            int n = 0;
            while ((line = readLine(in, qrels, n + 1)) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                if (n == 1 && f.length >= 1 && !f[0].isEmpty() && f[0].trim().equals("query-id")) {
                    continue; // the header
                }
                if (f.length != 3) {
                    throw new FinetuneException(
                            qrels
                                    + ": line "
                                    + n
                                    + " has "
                                    + f.length
                                    + " tab-separated fields; qrels lines are query-id, corpus-id,"
                                    + " score");
                }
                String q = f[0].trim();
                String d = f[1].trim();
                double score;
                try {
                    score = Double.parseDouble(f[2].trim());
                } catch (NumberFormatException e) {
                    throw new FinetuneException(
                            qrels + ": line " + n + " has the score '" + f[2] + "'; give a number");
                }
                if (!allQueries.containsKey(q)) {
                    throw new FinetuneException(
                            qrels
                                    + ": line "
                                    + n
                                    + " names the query '"
                                    + q
                                    + "', which "
                                    + queries
                                    + " does not have");
                }
                if (!docs.containsKey(d)) {
                    throw new FinetuneException(
                            qrels
                                    + ": line "
                                    + n
                                    + " names the document '"
                                    + d
                                    + "', which "
                                    + corpus
                                    + " does not have");
                }
                if (score > 0) {
                    relevant.computeIfAbsent(q, k -> new LinkedHashSet<>()).add(d);
                }
            }
        } catch (IOException e) {
            throw unreadable(qrels, e);
        }
        if (relevant.isEmpty()) {
            throw new FinetuneException(
                    qrels + " marks no document relevant to any query (a score above 0 does)");
        }
        Map<String, String> evaluated = new LinkedHashMap<>();
        relevant.keySet().forEach(q -> evaluated.put(q, allQueries.get(q)));
        return new RetrievalBenchmark(evaluated, docs, relevant);
    }

    /** {@code _id} → text (title and text for a corpus) of each line. */
    private static Map<String, String> readJsonl(Path file, boolean titles)
            throws FinetuneException {
        Map<String, String> out = new LinkedHashMap<>();
        try (BufferedReader in = reader(file)) {
            String line;
            int n = 0;
            while ((line = readLine(in, file, n + 1)) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonObject o;
                try {
                    JsonElement e = JsonParser.parseString(line);
                    if (!e.isJsonObject()) {
                        throw new JsonParseException("not an object");
                    }
                    o = e.getAsJsonObject();
                } catch (JsonParseException e) {
                    throw new FinetuneException(
                            file + ": line " + n + " is not a JSON object; write one a line");
                }
                String id = string(o, "_id", file, n);
                String text = string(o, "text", file, n);
                if (titles && o.has("title")) {
                    String title = string(o, "title", file, n);
                    text = title.isBlank() ? text : title + " " + text;
                }
                if (out.put(id, text) != null) {
                    throw new FinetuneException(
                            file + ": line " + n + " repeats the _id '" + id + "'");
                }
            }
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        return out;
    }

    private static String string(JsonObject o, String key, Path file, int line)
            throws FinetuneException {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new FinetuneException(file + ": line " + line + " has no string '" + key + "'");
        }
        return e.getAsString();
    }

    private static BufferedReader reader(Path file) throws IOException {
        return new BufferedReader(
                new InputStreamReader(
                        Files.newInputStream(file),
                        StandardCharsets.UTF_8
                                .newDecoder()
                                .onMalformedInput(CodingErrorAction.REPORT)
                                .onUnmappableCharacter(CodingErrorAction.REPORT)));
    }

    /** The next line, refusing one past {@link #MAX_LINE_CHARS} without buffering it whole. */
    private static String readLine(BufferedReader in, Path file, int number)
            throws IOException, FinetuneException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (sb.length() == MAX_LINE_CHARS) {
                throw new FinetuneException(
                        file
                                + ": line "
                                + number
                                + " is longer than "
                                + MAX_LINE_CHARS
                                + " characters; one record a line");
            }
            sb.append((char) c);
        }
        if (c == -1 && sb.length() == 0) {
            return null;
        }
        int end = sb.length();
        if (end > 0 && sb.charAt(end - 1) == '\r') {
            sb.setLength(end - 1);
        }
        if (number == 1 && sb.length() > 0 && sb.charAt(0) == '\ufeff') {
            sb.deleteCharAt(0);
        }
        return sb.toString();
    }

    private static FinetuneException unreadable(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new FinetuneException(file + " does not exist");
        }
        if (e instanceof CharacterCodingException) {
            return new FinetuneException(file + " is not UTF-8 text");
        }
        return new FinetuneException("cannot read " + file + ": " + e.getMessage(), e);
    }
}
