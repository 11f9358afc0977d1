package dev.hubtune.finetune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluation of a token classifier on its validation sentences, word by word: entity-level
 * precision, recall and F1 with seqeval's semantics ({@link Seqeval}), micro-averaged and per
 * entity type, plus the share of words tagged right.
 *
 * @param loss mean cross-entropy over the labelled sub-tokens
 * @param accuracy share of words whose predicted tag is the gold tag
 * @param precision micro-averaged entity precision
 * @param recall micro-averaged entity recall
 * @param f1 micro-averaged entity F1 (what picks the best model by default)
 * @param macroF1 unweighted mean of the per-type F1
 * @param types per entity type
 * @param words validation words scored
 */
public record TokenClassificationMetrics(
        double loss,
        double accuracy,
        double precision,
        double recall,
        double f1,
        double macroF1,
        Map<String, Seqeval.TypeScore> types,
        long words)
        implements EvaluationMetrics {

    /** The metrics of {@code scores} and the loss. */
    static TokenClassificationMetrics of(Seqeval.Scores scores, double loss, long words) {
        return new TokenClassificationMetrics(
                loss,
                scores.accuracy(),
                scores.precision(),
                scores.recall(),
                scores.f1(),
                scores.macroF1(),
                new LinkedHashMap<>(scores.types()),
                words);
    }

    /** Names accepted by {@link #score}. */
    public static List<String> names() {
        return List.of("f1", "precision", "recall", "macro_f1", "accuracy", "loss");
    }

    @Override
    public double score(String metric) {
        return switch (metric) {
            case "f1" -> f1;
            case "precision" -> precision;
            case "recall" -> recall;
            case "macro_f1" -> macroF1;
            case "accuracy" -> accuracy;
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
        row.put("precision", precision);
        row.put("recall", recall);
        row.put("f1", f1);
        row.put("macro_f1", macroF1);
        row.put("accuracy", accuracy);
        Map<String, Object> perType = new LinkedHashMap<>();
        types.forEach(
                (type, s) -> {
                    Map<String, Object> t = new LinkedHashMap<>();
                    t.put("precision", s.precision());
                    t.put("recall", s.recall());
                    t.put("f1", s.f1());
                    t.put("support", s.support());
                    perType.put(type, t);
                });
        row.put("types", perType);
        return row;
    }

    @Override
    public Map<String, Double> plotted() {
        Map<String, Double> curves = new LinkedHashMap<>();
        curves.put("entity F1", f1);
        curves.put("word accuracy", accuracy);
        return curves;
    }

    @Override
    public String summary() {
        StringBuilder perType = new StringBuilder();
        types.forEach(
                (type, s) -> perType.append(String.format(Locale.ROOT, " %s %.3f", type, s.f1())));
        return String.format(
                Locale.ROOT,
                "validation loss %.4f, entity F1 %.4f (P %.4f, R %.4f; per type%s), word accuracy"
                        + " %.4f",
                loss,
                f1,
                precision,
                recall,
                perType.length() == 0 ? " none" : perType,
                accuracy);
    }
}
