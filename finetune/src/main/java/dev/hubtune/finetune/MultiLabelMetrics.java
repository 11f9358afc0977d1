package dev.hubtune.finetune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluation of a multi-label classifier, each label decided by its threshold: micro-F1 (over every
 * example-label decision), macro-F1 (mean of the per-label F1, 0 for a label never predicted nor
 * present, as scikit-learn's {@code zero_division=0}), subset accuracy (examples whose whole label
 * set is right) and per-label precision, recall and F1.
 *
 * @param loss mean binary cross-entropy
 * @param microF1 F1 of all decisions pooled
 * @param macroF1 unweighted mean of the per-label F1
 * @param subsetAccuracy share of examples with exactly the right labels
 * @param microPrecision precision of all decisions pooled
 * @param microRecall recall of all decisions pooled
 * @param labels the label names
 * @param precision per label
 * @param recall per label
 * @param f1 per label
 */
public record MultiLabelMetrics(
        double loss,
        double microF1,
        double macroF1,
        double subsetAccuracy,
        double microPrecision,
        double microRecall,
        List<String> labels,
        double[] precision,
        double[] recall,
        double[] f1)
        implements EvaluationMetrics {

    /** Metrics of {@code predicted} against {@code gold}, {@code [example][label]}. */
    public static MultiLabelMetrics of(
            boolean[][] predicted, boolean[][] gold, List<String> labels, double loss) {
        int n = labels.size();
        long[] tp = new long[n];
        long[] fp = new long[n];
        long[] fn = new long[n];
        long exact = 0;
        for (int i = 0; i < gold.length; i++) {
            boolean same = true;
            for (int k = 0; k < n; k++) {
                boolean p = predicted[i][k];
                boolean g = gold[i][k];
                tp[k] += p && g ? 1 : 0;
                fp[k] += p && !g ? 1 : 0;
                fn[k] += !p && g ? 1 : 0;
                same &= p == g;
            }
            exact += same ? 1 : 0;
        }
        double[] precision = new double[n];
        double[] recall = new double[n];
        double[] f1 = new double[n];
        long tpSum = 0;
        long fpSum = 0;
        long fnSum = 0;
        double f1Sum = 0;
        for (int k = 0; k < n; k++) {
            precision[k] = ratio(tp[k], tp[k] + fp[k]);
            recall[k] = ratio(tp[k], tp[k] + fn[k]);
            f1[k] = ratio(2 * tp[k], 2 * tp[k] + fp[k] + fn[k]);
            f1Sum += f1[k];
            tpSum += tp[k];
            fpSum += fp[k];
            fnSum += fn[k];
        }
        return new MultiLabelMetrics(
                loss,
                ratio(2 * tpSum, 2 * tpSum + fpSum + fnSum),
                n == 0 ? 0 : f1Sum / n,
                gold.length == 0 ? 0 : (double) exact / gold.length,
                ratio(tpSum, tpSum + fpSum),
                ratio(tpSum, tpSum + fnSum),
                List.copyOf(labels),
                precision,
                recall,
                f1);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    /** Names accepted by {@link #score}. */
    public static List<String> names() {
        return List.of("loss", "micro_f1", "macro_f1", "subset_accuracy");
    }

    @Override
    public double score(String metric) {
        return switch (metric) {
            case "micro_f1" -> microF1;
            case "macro_f1" -> macroF1;
            case "subset_accuracy" -> subsetAccuracy;
            case "loss" -> -loss;
            default ->
                    throw new IllegalArgumentException(
                            "unknown metric '" + metric + "'; use " + names());
        };
    }

    @Override
    public Map<String, Object> columns() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("eval_loss", loss);
        row.put("micro_f1", microF1);
        row.put("macro_f1", macroF1);
        row.put("subset_accuracy", subsetAccuracy);
        row.put("micro_precision", microPrecision);
        row.put("micro_recall", microRecall);
        Map<String, Object> perLabel = new LinkedHashMap<>();
        for (int k = 0; k < labels.size(); k++) {
            perLabel.put(
                    labels.get(k),
                    Map.of("precision", precision[k], "recall", recall[k], "f1", f1[k]));
        }
        row.put("labels", perLabel);
        return row;
    }

    @Override
    public Map<String, Double> plotted() {
        Map<String, Double> curves = new LinkedHashMap<>();
        curves.put("micro-F1", microF1);
        curves.put("macro-F1", macroF1);
        curves.put("subset accuracy", subsetAccuracy);
        return curves;
    }

    @Override
    public String summary() {
        return String.format(
                Locale.ROOT,
                "validation loss %.4f, micro-F1 %.4f, macro-F1 %.4f, subset accuracy %.4f",
                loss,
                microF1,
                macroF1,
                subsetAccuracy);
    }
}
