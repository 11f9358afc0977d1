package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.apps.Embedder;
import dev.hubtune.models.apps.SentenceEmbeddingConfig;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.testing.TinyBert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sentence-embedding fine-tuning: all-MiniLM-L6-v2 tuned on {@link FaqData}'s support FAQ ranks the
 * answers of unseen questions better than the untuned model (MRR@10), and its sentence-transformers
 * export embeds as the training evaluated; a tiny BERT learns a similarity rule from scored pairs
 * with the cosine loss.
 */
class EmbeddingTrainerTest {

    @TempDir static Path dir;

    /** MRR@10 etc. of {@code model} on the FAQ's validation questions against every answer. */
    static InformationRetrieval.Scores retrieval(Path model) throws Exception {
        List<String[]> validation = FaqData.pairs(true);
        Map<String, Integer> docs = new LinkedHashMap<>();
        for (List<String[]> set : List.of(FaqData.pairs(false), validation)) {
            set.forEach(p -> docs.putIfAbsent(p[1], docs.size()));
        }
        Map<String, Set<Integer>> queries = new LinkedHashMap<>();
        validation.forEach(
                p -> queries.computeIfAbsent(p[0], k -> new HashSet<>()).add(docs.get(p[1])));
        try (Embedder e = Embedder.builder().setModelDir(model).optMaxLength(128).build()) {
            return InformationRetrieval.evaluate(
                    e.embed(new ArrayList<>(queries.keySet())),
                    e.embed(new ArrayList<>(docs.keySet())),
                    new ArrayList<>(queries.values()));
        }
    }

    @Tag("slow")
    @Test
    void miniLmTunedOnAnFaqRanksUnseenQuestionsBetter() throws Exception {
        Path miniLm = FaqData.miniLm(dir.resolve("minilm"));
        InformationRetrieval.Scores before = retrieval(miniLm);
        TrainingReport<EmbeddingMetrics> report =
                EmbeddingTrainer.builder()
                        .setModelDir(miniLm)
                        .setTrainFile(
                                FaqData.csv(dir.resolve("faq-train.csv"), FaqData.pairs(false)))
                        .optValidationFile(
                                FaqData.csv(dir.resolve("faq-val.csv"), FaqData.pairs(true)))
                        .setAnchorColumn("question")
                        .setPositiveColumn("answer")
                        .setOutputDir(dir.resolve("faq-run"))
                        .optEpochs(1)
                        .optBatchSize(16)
                        .optLearningRate(5e-5)
                        .optMaxLength(128)
                        .optSeed(3)
                        .optThreads(2)
                        .build()
                        .train();
        EmbeddingMetrics best = report.best().metrics();
        System.out.printf(
                "FAQ retrieval, unseen questions: MRR@10 %.4f -> %.4f, nDCG@10 %.4f -> %.4f,"
                        + " recall@1 %.4f -> %.4f%n",
                before.mrrAt10(),
                best.mrrAt10(),
                before.ndcgAt10(),
                best.ndcgAt10(),
                before.recallAt1(),
                best.recallAt1());
        assertEquals(120, best.queries());
        assertEquals(60, best.documents());
        // measured: MRR@10 0.887 -> 0.954, recall@1 0.808 -> 0.917 after one epoch
        assertTrue(best.mrrAt10() >= before.mrrAt10() + 0.05, before + " -> " + best.summary());
        assertTrue(best.recallAt1() >= before.recallAt1() + 0.05, before + " -> " + best.summary());

        Path export = report.exported();
        SentenceEmbeddingConfig st = SentenceEmbeddingConfig.read(export);
        assertEquals(Pooling.MEAN, st.pooling());
        assertTrue(st.normalize() && st.fromFiles());
        assertTrue(Files.isRegularFile(export.resolve("config_sentence_transformers.json")));
        // the export embeds as the training's best evaluation did
        InformationRetrieval.Scores after = retrieval(export);
        assertEquals(best.mrrAt10(), after.mrrAt10(), 1e-3);
    }

    /** Pairs of random texts scored 1 when both or neither hold w7, else 0. */
    static Path scoredPairs(Path file, int rows, long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder("s1,s2,score\n");
        for (int i = 0; i < rows; i++) {
            boolean a = r.nextBoolean();
            boolean b = r.nextBoolean();
            sb.append(text(r, a))
                    .append(',')
                    .append(text(r, b))
                    .append(',')
                    .append(a == b ? 1 : 0)
                    .append('\n');
        }
        Files.writeString(file, sb);
        return file;
    }

    private static String text(Random r, boolean marker) {
        List<String> words = new ArrayList<>();
        int n = 3 + r.nextInt(5);
        for (int k = 0; k < n; k++) {
            words.add("w" + (10 + r.nextInt(25)));
        }
        if (marker) {
            words.add(r.nextInt(words.size() + 1), "w7");
        }
        return String.join(" ", words);
    }

    @Tag("slow")
    @Test
    void scoredPairsTeachACosineRule() throws Exception {
        Path tiny = TinyBert.huggingFaceDir(dir.resolve("tiny"));
        TrainingReport<EmbeddingMetrics> report =
                EmbeddingTrainer.builder()
                        .setModelDir(tiny)
                        .setTrainFile(scoredPairs(dir.resolve("scored.csv"), 600, 4))
                        .setAnchorColumn("s1")
                        .setPositiveColumn("s2")
                        .optScoreColumn("score")
                        .setOutputDir(dir.resolve("scored-run"))
                        .optEpochs(5)
                        .optLearningRate(2e-3)
                        .optMaxLength(32)
                        .optSeed(7)
                        .optThreads(2)
                        .build()
                        .train();
        EmbeddingMetrics best = report.best().metrics();
        System.out.println("scored pairs: " + best.summary());
        // binary scores: perfect separation gives Spearman √3/2 ≈ 0.866 at best
        assertTrue(best.spearman() > 0.7, best.summary());
        try (Embedder e = Embedder.builder().setModelDir(report.exported()).build()) {
            float[][] v = e.embed(List.of("w7 w12 w13", "w20 w7", "w12 w13"));
            assertTrue(dot(v[0], v[1]) > dot(v[0], v[2]), "w7 texts are closer");
        }
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
        }
        return d;
    }

    @Test
    void informationRetrievalScoresAsSentenceTransformersDefinesThem() {
        float[][] docs = {{1, 0}, {0, 1}, {0.7f, 0.7f}};
        // query 0 ranks docs 0, 2, 1; query 1 ranks 1, 2, 0
        float[][] queries = {{1, 0.1f}, {0.1f, 1}};
        InformationRetrieval.Scores s =
                InformationRetrieval.evaluate(queries, docs, List.of(Set.of(2), Set.of(1, 0)));
        // q0: relevant at rank 2 -> RR 1/2, nDCG (1/log2 3)/1; q1: ranks 1 and 3
        assertEquals((0.5 + 1) / 2, s.mrrAt10(), 1e-9);
        double q1 = (1 + 1 / (Math.log(4) / Math.log(2))) / (1 + 1 / (Math.log(3) / Math.log(2)));
        assertEquals((1 / (Math.log(3) / Math.log(2)) + q1) / 2, s.ndcgAt10(), 1e-9);
        assertEquals((0 + 0.5) / 2, s.recallAt1(), 1e-9);
        assertArrayEquals(new double[] {1, 1}, new double[] {s.recallAt5(), s.recallAt10()}, 1e-9);
    }

    @Test
    void conflictingOptionsAreRefusedBeforeAnyWork() throws Exception {
        Path tiny = TinyBert.huggingFaceDir(dir.resolve("tiny-opts"));
        Path data = scoredPairs(dir.resolve("opts.csv"), 20, 1);
        FinetuneException e =
                assertThrows(
                        FinetuneException.class,
                        () ->
                                EmbeddingTrainer.builder()
                                        .setModelDir(tiny)
                                        .setTrainFile(data)
                                        .setAnchorColumn("s1")
                                        .setPositiveColumn("s2")
                                        .optScoreColumn("score")
                                        .optNegativeColumn("s2")
                                        .setOutputDir(dir.resolve("opts-run"))
                                        .build()
                                        .train());
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
    }
}
