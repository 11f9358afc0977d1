package dev.hubtune.finetune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluation of a classifier: accuracy, macro-F1, per-class precision and recall, and the confusion
 * matrix ({@code confusion[gold][predicted]}).
 *
 * @param accuracy share of correct predictions
 * @param macroF1 unweighted mean of the per-class F1
 * @param precision per class
 * @param recall per class
 * @param confusion counts, gold by predicted
 * @param loss mean loss over the set
 */
public record ClassificationMetrics(
        double accuracy,
        double macroF1,
        double[] precision,
        double[] recall,
        long[][] confusion,
        double loss)
        implements EvaluationMetrics {

    /** Metrics of {@code predicted} against {@code gold} over {@code classes} classes. */
    public static ClassificationMetrics of(int[] predicted, int[] gold, int classes, double loss) {
        long[][] confusion = new long[classes][classes];
        long correct = 0;
        for (int i = 0; i < gold.length; i++) {
            confusion[gold[i]][predicted[i]]++;
            correct += gold[i] == predicted[i] ? 1 : 0;
        }
        double[] precision = new double[classes];
        double[] recall = new double[classes];
        double f1Sum = 0;
        for (int c = 0; c < classes; c++) {
            long tp = confusion[c][c];
            long predictedC = 0;
            long goldC = 0;
            for (int k = 0; k < classes; k++) {
                predictedC += confusion[k][c];
                goldC += confusion[c][k];
            }
            precision[c] = predictedC == 0 ? 0 : (double) tp / predictedC;
            recall[c] = goldC == 0 ? 0 : (double) tp / goldC;
            f1Sum +=
                    precision[c] + recall[c] == 0
                            ? 0
                            : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
        }
        return new ClassificationMetrics(
                gold.length == 0 ? 0 : (double) correct / gold.length,
                f1Sum / classes,
                precision,
                recall,
                confusion,
                loss);
    }

    @Override
    public double score(String metric) {
        return switch (metric) {
            case "accuracy" -> accuracy;
            case "macro_f1" -> macroF1;
            case "loss" -> -loss;
            default ->
                    throw new IllegalArgumentException(
                            "unknown metric '" + metric + "'; use " + names());
        };
    }

    /** Names accepted by {@link #score}. */
    public static List<String> names() {
        return List.of("accuracy", "macro_f1", "loss");
    }

    @Override
    public Map<String, Object> columns() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("eval_loss", loss);
        row.put("accuracy", accuracy);
        row.put("macro_f1", macroF1);
        row.put("precision", precision);
        row.put("recall", recall);
        row.put("confusion", confusion);
        return row;
    }

    @Override
    public Map<String, Double> plotted() {
        Map<String, Double> curves = new LinkedHashMap<>();
        curves.put("accuracy", accuracy);
        curves.put("macro-F1", macroF1);
        return curves;
    }

    @Override
    public String summary() {
        return String.format(
                Locale.ROOT,
                "validation loss %.4f, accuracy %.4f, macro-F1 %.4f",
                loss,
                accuracy,
                macroF1);
    }
}
