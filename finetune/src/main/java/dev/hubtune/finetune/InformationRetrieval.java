package dev.hubtune.finetune;

import java.util.List;
import java.util.Set;

/**
 * Retrieval quality of embeddings, as sentence-transformers' {@code InformationRetrievalEvaluator}
 * computes it: every query ranks the whole corpus by cosine similarity, and the scores are means
 * over queries with binary relevance.
 */
public final class InformationRetrieval {

    /**
     * Mean retrieval scores.
     *
     * @param accuracyAt1 share of queries whose best document is relevant
     * @param recallAt1 share of a query's relevant documents in its top 1
     * @param recallAt5 in its top 5
     * @param recallAt10 in its top 10
     * @param mrrAt10 reciprocal rank of the first relevant document in the top 10 (0 if none)
     * @param ndcgAt10 normalised discounted cumulative gain of the top 10
     */
    public record Scores(
            double accuracyAt1,
            double recallAt1,
            double recallAt5,
            double recallAt10,
            double mrrAt10,
            double ndcgAt10) {}

    private InformationRetrieval() {}

    /**
     * Scores {@code queries} against {@code corpus}; {@code relevant.get(q)} holds the corpus
     * indices relevant to query {@code q}. Vectors need not be normalised.
     */
    public static Scores evaluate(
            float[][] queries, float[][] corpus, List<Set<Integer>> relevant) {
        if (queries.length != relevant.size()) {
            throw new IllegalArgumentException(
                    queries.length + " queries but " + relevant.size() + " relevance sets");
        }
        float[][] docs = normalized(corpus);
        double acc1 = 0;
        double r1 = 0;
        double r5 = 0;
        double r10 = 0;
        double mrr = 0;
        double ndcg = 0;
        for (int q = 0; q < queries.length; q++) {
            float[] v = normalized(new float[][] {queries[q]})[0];
            double[] sim = new double[docs.length];
            for (int d = 0; d < docs.length; d++) {
                double dot = 0;
                for (int k = 0; k < v.length; k++) {
                    dot += v[k] * docs[d][k];
                }
                sim[d] = dot;
            }
            int[] top = top(sim, 10);
            Set<Integer> rel = relevant.get(q);
            int hits1 = 0;
            int hits5 = 0;
            int hits10 = 0;
            double reciprocal = 0;
            double dcg = 0;
            for (int i = 0; i < top.length; i++) {
                if (rel.contains(top[i])) {
                    hits1 += i < 1 ? 1 : 0;
                    hits5 += i < 5 ? 1 : 0;
                    hits10++;
                    reciprocal = reciprocal == 0 ? 1.0 / (i + 1) : reciprocal;
                    dcg += 1 / log2(i + 2);
                }
            }
            double ideal = 0;
            for (int i = 0; i < Math.min(rel.size(), 10); i++) {
                ideal += 1 / log2(i + 2);
            }
            int n = Math.max(1, rel.size());
            acc1 += hits1 > 0 ? 1 : 0;
            r1 += (double) hits1 / n;
            r5 += (double) hits5 / n;
            r10 += (double) hits10 / n;
            mrr += reciprocal;
            ndcg += ideal == 0 ? 0 : dcg / ideal;
        }
        int m = Math.max(1, queries.length);
        return new Scores(acc1 / m, r1 / m, r5 / m, r10 / m, mrr / m, ndcg / m);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /** Indices of the {@code k} highest values, best first (ties: lower index first). */
    private static int[] top(double[] v, int k) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(v[b], v[a]));
        int n = Math.min(k, v.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = order[i];
        }
        return out;
    }

    private static float[][] normalized(float[][] m) {
        float[][] out = new float[m.length][];
        for (int i = 0; i < m.length; i++) {
            double s = 0;
            for (float x : m[i]) {
                s += x * x;
            }
            double norm = Math.max(Math.sqrt(s), 1e-12);
            out[i] = new float[m[i].length];
            for (int k = 0; k < m[i].length; k++) {
                out[i][k] = (float) (m[i][k] / norm);
            }
        }
        return out;
    }
}
