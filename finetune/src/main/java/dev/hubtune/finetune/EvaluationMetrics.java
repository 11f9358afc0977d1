package dev.hubtune.finetune;

import java.util.List;
import java.util.Map;

/**
 * What one evaluation on the validation set measured. Each task has its own kind ({@link
 * ClassificationMetrics}, {@link LanguageModelMetrics}); the training loop only needs these views
 * of it.
 */
public interface EvaluationMetrics {

    /** Mean validation loss. */
    double loss();

    /**
     * The metric named {@code name} as a score where higher is better (losses are negated), for
     * choosing the best checkpoint and early stopping.
     */
    double score(String name);

    /** Columns of this evaluation's {@code metrics.jsonl} line (besides step, epoch, lr). */
    Map<String, Object> columns();

    /** Values in [0, 1] worth a curve in {@code report.png}, by label. */
    Map<String, Double> plotted();

    /** One line for logs and progress output. */
    String summary();

    /** Validates a metric name against the names a task accepts. */
    static String requireKnown(String name, List<String> names) {
        if (!names.contains(name)) {
            throw new IllegalArgumentException("unknown metric '" + name + "'; use " + names);
        }
        return name;
    }
}
