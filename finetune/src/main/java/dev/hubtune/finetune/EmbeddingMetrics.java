package dev.hubtune.finetune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluation of a sentence-embedding model: for pairs and triplets, retrieval of the validation
 * queries' relevant documents among every document of the data ({@link InformationRetrieval}); for
 * scored pairs, the Spearman and Pearson correlations of cosine similarity with the scores (as
 * sentence-transformers' {@code EmbeddingSimilarityEvaluator}).
 *
 * @param loss the training loss on the validation set
 * @param retrieval whether the data were pairs/triplets (retrieval scores) or scored pairs
 * @param ndcgAt10 retrieval: nDCG@10
 * @param mrrAt10 retrieval: MRR@10
 * @param accuracyAt1 retrieval: share of queries answered by their first document
 * @param recallAt1 retrieval: recall@1
 * @param recallAt5 retrieval: recall@5
 * @param recallAt10 retrieval: recall@10
 * @param queries retrieval: validation queries
 * @param documents retrieval: documents ranked
 * @param spearman scored pairs: Spearman of cosine and score
 * @param pearson scored pairs: Pearson of cosine and score
 */
public record EmbeddingMetrics(
        double loss,
        boolean retrieval,
        double ndcgAt10,
        double mrrAt10,
        double accuracyAt1,
        double recallAt1,
        double recallAt5,
        double recallAt10,
        int queries,
        int documents,
        double spearman,
        double pearson)
        implements EvaluationMetrics {

    /** Retrieval metrics. */
    static EmbeddingMetrics retrieval(
            double loss, InformationRetrieval.Scores s, int queries, int documents) {
        return new EmbeddingMetrics(
                loss,
                true,
                s.ndcgAt10(),
                s.mrrAt10(),
                s.accuracyAt1(),
                s.recallAt1(),
                s.recallAt5(),
                s.recallAt10(),
                queries,
                documents,
                0,
                0);
    }

    /** Scored-pair metrics. */
    static EmbeddingMetrics similarity(double loss, double spearman, double pearson) {
        return new EmbeddingMetrics(loss, false, 0, 0, 0, 0, 0, 0, 0, 0, spearman, pearson);
    }

    /**
     * Names accepted by {@link #score}; {@code primary} is nDCG@10 for retrieval data and Spearman
     * for scored pairs.
     */
    public static List<String> names() {
        return List.of(
                "primary",
                "loss",
                "ndcg@10",
                "mrr@10",
                "recall@1",
                "recall@5",
                "recall@10",
                "spearman");
    }

    @Override
    public double score(String metric) {
        return switch (metric) {
            case "primary" -> retrieval ? ndcgAt10 : spearman;
            case "loss" -> -loss;
            case "ndcg@10" -> ndcgAt10;
            case "mrr@10" -> mrrAt10;
            case "recall@1" -> recallAt1;
            case "recall@5" -> recallAt5;
            case "recall@10" -> recallAt10;
            case "spearman" -> spearman;
            default ->
                    throw new IllegalArgumentException(
                            "unknown metric '" + metric + "'; use " + names());
        };
    }

    @Override
    public Map<String, Object> columns() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("eval_loss", loss);
        if (retrieval) {
            row.put("ndcg@10", ndcgAt10);
            row.put("mrr@10", mrrAt10);
            row.put("accuracy@1", accuracyAt1);
            row.put("recall@1", recallAt1);
            row.put("recall@5", recallAt5);
            row.put("recall@10", recallAt10);
            row.put("queries", queries);
            row.put("documents", documents);
        } else {
            row.put("spearman", spearman);
            row.put("pearson", pearson);
        }
        return row;
    }

    @Override
    public Map<String, Double> plotted() {
        Map<String, Double> curves = new LinkedHashMap<>();
        if (retrieval) {
            curves.put("nDCG@10", ndcgAt10);
            curves.put("MRR@10", mrrAt10);
            curves.put("recall@10", recallAt10);
        } else {
            curves.put("Spearman", Math.max(0, spearman));
        }
        return curves;
    }

    @Override
    public String summary() {
        return retrieval
                ? String.format(
                        Locale.ROOT,
                        "validation loss %.4f, nDCG@10 %.4f, MRR@10 %.4f, recall@1 %.4f, recall@10"
                                + " %.4f (%d queries, %d documents)",
                        loss,
                        ndcgAt10,
                        mrrAt10,
                        recallAt1,
                        recallAt10,
                        queries,
                        documents)
                : String.format(
                        Locale.ROOT,
                        "validation loss %.4f, Spearman %.4f, Pearson %.4f",
                        loss,
                        spearman,
                        pearson);
    }
}
