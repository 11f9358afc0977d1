package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.hubtune.models.testing.TinyBert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BEIR-layout retrieval sets: read as BEIR defines them, refused clearly, evaluated alike. */
class RetrievalBenchmarkTest {

    @TempDir Path dir;

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void readsQueriesCorpusAndQrelsAsBeirDoes() throws Exception {
        RetrievalBenchmark b =
                RetrievalBenchmark.read(
                        write(
                                "queries.jsonl",
                                "\ufeff{\"_id\": \"q1\", \"text\": \"reset password\"}\n"
                                        + "{\"_id\": \"q2\", \"text\": \"no judgement\"}\n"),
                        write(
                                "corpus.jsonl",
                                "{\"_id\": \"d1\", \"title\": \"Security\", \"text\": \"Open"
                                        + " settings.\"}\r\n"
                                        + "{\"_id\": \"d2\", \"title\": \"\", \"text\": \"Pay"
                                        + " by card.\"}\n\n"),
                        write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\n"));
        assertEquals(Map.of("q1", "reset password"), b.queries(), "q2 has no relevant document");
        assertEquals(
                Map.of("d1", "Security Open settings.", "d2", "Pay by card."),
                b.corpus(),
                "the title goes before the text");
        assertEquals(Map.of("q1", Set.of("d1")), b.relevant(), "a score of 0 is not relevant");
    }

    @Test
    void badFilesAreOneLineNamingFileAndLine() throws Exception {
        Path q = write("q.jsonl", "{\"_id\": \"q1\", \"text\": \"a\"}\n");
        Path c = write("c.jsonl", "{\"_id\": \"d1\", \"text\": \"b\"}\n");
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("q1\td9\t1\n", "line 1 names the document 'd9'");
        cases.put("query-id\tcorpus-id\tscore\nq7\td1\t1\n", "line 2 names the query 'q7'");
        cases.put("q1\td1\n", "line 1 has 2 tab-separated fields");
        cases.put("q1\td1\thigh\n", "line 1 has the score 'high'");
        cases.put("q1\td1\t0\n", "marks no document relevant");
        for (var e : cases.entrySet()) {
            Path qrels = write("qrels.tsv", e.getKey());
            FinetuneException x =
                    assertThrows(
                            FinetuneException.class, () -> RetrievalBenchmark.read(q, c, qrels));
            assertTrue(x.getMessage().contains(e.getValue()), x.getMessage());
        }
        Path qrels = write("good.tsv", "q1\td1\t1\n");
        assertTrue(
                assertThrows(
                                FinetuneException.class,
                                () ->
                                        RetrievalBenchmark.read(
                                                write("bad.jsonl", "{\"_id\": \"q1\"}\n[1]\n"),
                                                c,
                                                qrels))
                        .getMessage()
                        .contains("line 1 has no string 'text'"));
        assertTrue(
                assertThrows(
                                FinetuneException.class,
                                () ->
                                        RetrievalBenchmark.read(
                                                q,
                                                write(
                                                        "dup.jsonl",
                                                        "{\"_id\": \"d1\", \"text\": \"b\"}\n"
                                                                + "{\"_id\": \"d1\", \"text\": \"c\"}\n"),
                                                qrels))
                        .getMessage()
                        .contains("line 2 repeats the _id 'd1'"));
        assertTrue(
                assertThrows(
                                FinetuneException.class,
                                () -> RetrievalBenchmark.read(dir.resolve("none.jsonl"), c, qrels))
                        .getMessage()
                        .endsWith("none.jsonl does not exist"));
    }

    /**
     * The same queries, documents and judgements given as a BEIR set evaluate exactly as when they
     * come from the validation pairs: the two runs train identically and score identically.
     */
    @org.junit.jupiter.api.Tag("slow")
    @Test
    void aBeirSetOfTheValidationPairsScoresAsThePairsDo() throws Exception {
        Path tiny = TinyBert.huggingFaceDir(dir.resolve("tiny"));
        List<String[]> train = FaqData.pairs(false);
        List<String[]> validation = FaqData.pairs(true);
        Path trainCsv = FaqData.csv(dir.resolve("train.csv"), train);
        Path validationCsv = FaqData.csv(dir.resolve("val.csv"), validation);
        // the corpus of the pairs evaluation: every document of both sets, first seen first
        Map<String, String> docIds = new LinkedHashMap<>();
        for (List<String[]> set : List.of(train, validation)) {
            set.forEach(p -> docIds.putIfAbsent(p[1], "d" + docIds.size()));
        }
        Map<String, String> queryIds = new LinkedHashMap<>();
        validation.forEach(p -> queryIds.putIfAbsent(p[0], "q" + queryIds.size()));
        StringBuilder queries = new StringBuilder();
        queryIds.forEach((text, id) -> queries.append(line(id, text)));
        StringBuilder corpus = new StringBuilder();
        docIds.forEach((text, id) -> corpus.append(line(id, text)));
        StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
        validation.forEach(
                p ->
                        qrels.append(queryIds.get(p[0]))
                                .append('\t')
                                .append(docIds.get(p[1]))
                                .append("\t1\n"));
        RetrievalBenchmark beir =
                RetrievalBenchmark.read(
                        write("queries.jsonl", queries.toString()),
                        write("corpus.jsonl", corpus.toString()),
                        write("qrels.tsv", qrels.toString()));
        EmbeddingMetrics fromPairs = train(tiny, trainCsv, validationCsv, null, "pairs-run");
        EmbeddingMetrics fromBeir = train(tiny, trainCsv, validationCsv, beir, "beir-run");
        assertEquals(fromPairs.queries(), fromBeir.queries());
        assertEquals(fromPairs.documents(), fromBeir.documents());
        assertEquals(fromPairs.mrrAt10(), fromBeir.mrrAt10(), 1e-12, fromBeir.summary());
        assertEquals(fromPairs.ndcgAt10(), fromBeir.ndcgAt10(), 1e-12);
        assertEquals(fromPairs.recallAt1(), fromBeir.recallAt1(), 1e-12);
        assertEquals(fromPairs.loss(), fromBeir.loss(), 1e-12);
    }

    private static String line(String id, String text) {
        JsonObject o = new JsonObject();
        o.addProperty("_id", id);
        o.addProperty("text", text);
        return o + "\n";
    }

    private EmbeddingMetrics train(
            Path model, Path trainCsv, Path validationCsv, RetrievalBenchmark beir, String out)
            throws Exception {
        EmbeddingTrainer.Builder b =
                EmbeddingTrainer.builder()
                        .setModelDir(model)
                        .setTrainFile(trainCsv)
                        .optValidationFile(validationCsv)
                        .setAnchorColumn("question")
                        .setPositiveColumn("answer")
                        .setOutputDir(dir.resolve(out))
                        .optMaxSteps(2)
                        .optBatchSize(8)
                        .optMaxLength(32)
                        .optSeed(3)
                        .optThreads(1);
        if (beir != null) {
            b.optRetrievalBenchmark(beir);
        }
        return b.build().train().best().metrics();
    }
}
