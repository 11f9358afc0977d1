package dev.hubtune.finetune;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluation of a regression on the label's own scale: mean squared error, its root, and the
 * Pearson and Spearman correlations of predictions and targets (Spearman on average ranks for ties,
 * as scipy's {@code spearmanr}).
 *
 * @param loss the training objective on the validation set (MSE of the normalised targets when they
 *     are normalised)
 * @param mse mean squared error
 * @param rmse its square root
 * @param pearson linear correlation
 * @param spearman rank correlation
 */
public record RegressionMetrics(
        double loss, double mse, double rmse, double pearson, double spearman)
        implements EvaluationMetrics {

    /** Metrics of {@code predicted} against {@code gold}. */
    public static RegressionMetrics of(double[] predicted, double[] gold, double loss) {
        double se = 0;
        for (int i = 0; i < gold.length; i++) {
            se += (predicted[i] - gold[i]) * (predicted[i] - gold[i]);
        }
        double mse = gold.length == 0 ? 0 : se / gold.length;
        return new RegressionMetrics(
                loss,
                mse,
                Math.sqrt(mse),
                pearson(predicted, gold),
                pearson(ranks(predicted), ranks(gold)));
    }

    /** Pearson's r; 0 when either side is constant. */
    static double pearson(double[] a, double[] b) {
        int n = a.length;
        if (n == 0) {
            return 0;
        }
        double ma = Arrays.stream(a).average().orElse(0);
        double mb = Arrays.stream(b).average().orElse(0);
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < n; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
    }

    /** 1-based ranks, ties sharing their average rank. */
    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(v[x], v[y]));
        double[] r = new double[v.length];
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j + 1 < order.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double average = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = average;
            }
            i = j + 1;
        }
        return r;
    }

    /** Names accepted by {@link #score}. */
    public static List<String> names() {
        return List.of("loss", "mse", "rmse", "pearson", "spearman");
    }

    @Override
    public double score(String metric) {
        return switch (metric) {
            case "loss" -> -loss;
            case "mse" -> -mse;
            case "rmse" -> -rmse;
            case "pearson" -> pearson;
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
        row.put("mse", mse);
        row.put("rmse", rmse);
        row.put("pearson", pearson);
        row.put("spearman", spearman);
        return row;
    }

    @Override
    public Map<String, Double> plotted() {
        Map<String, Double> curves = new LinkedHashMap<>();
        curves.put("Pearson", Math.max(0, pearson));
        curves.put("Spearman", Math.max(0, spearman));
        return curves;
    }

    @Override
    public String summary() {
        return String.format(
                Locale.ROOT,
                "validation loss %.4f, RMSE %.4f, Pearson %.4f, Spearman %.4f",
                loss,
                rmse,
                pearson,
                spearman);
    }
}
