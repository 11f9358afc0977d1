package dev.hubtune.finetune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluation of a causal language model: mean next-token cross-entropy over the validation tokens
 * (nats), its perplexity {@code exp(loss)}, the share of tokens the argmax predicts, and sample
 * continuations of fixed prompts.
 *
 * @param loss mean cross-entropy per predicted token
 * @param perplexity {@code exp(loss)}
 * @param accuracy share of validation tokens predicted exactly by the argmax
 * @param tokens validation tokens scored
 * @param samples continuations of the sample prompts (same prompts and seed at every evaluation)
 */
public record LanguageModelMetrics(
        double loss, double perplexity, double accuracy, long tokens, List<Sample> samples)
        implements EvaluationMetrics {

    /**
     * A prompt and what the model wrote after it.
     *
     * @param prompt the prompt text
     * @param continuation the generated text
     */
    public record Sample(String prompt, String continuation) {}

    /** Metrics from summed loss, correct predictions and token count. */
    public static LanguageModelMetrics of(
            double lossSum, double correct, long tokens, List<Sample> samples) {
        double loss = lossSum / Math.max(1, tokens);
        return new LanguageModelMetrics(
                loss, Math.exp(loss), correct / Math.max(1, tokens), tokens, List.copyOf(samples));
    }

    /** Names accepted by {@link #score}. */
    public static List<String> names() {
        return List.of("loss", "perplexity", "accuracy");
    }

    @Override
    public double score(String metric) {
        return switch (metric) {
            case "loss" -> -loss;
            case "perplexity" -> -perplexity;
            case "accuracy" -> accuracy;
            default ->
                    throw new IllegalArgumentException(
                            "unknown metric '" + metric + "'; use " + names());
        };
    }

    @Override
    public Map<String, Object> columns() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("eval_loss", loss);
        row.put("perplexity", perplexity);
        row.put("token_accuracy", accuracy);
        row.put("eval_tokens", tokens);
        row.put("samples", samples);
        return row;
    }

    @Override
    public Map<String, Double> plotted() {
        return Map.of("next-token accuracy", accuracy);
    }

    @Override
    public String summary() {
        return String.format(
                Locale.ROOT,
                "validation loss %.4f, perplexity %.3f, next-token accuracy %.4f",
                loss,
                perplexity,
                accuracy);
    }
}
