package dev.hubtune.cli;

import dev.hubtune.models.decoding.GenerationConfig;
import java.util.List;
import picocli.CommandLine.Option;

/** The decoding flags of {@code generate} and {@code chat}. */
final class SamplingOptions {

    @Option(
            names = "--max-new-tokens",
            defaultValue = "50",
            description = "Most tokens to add (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--temperature",
            defaultValue = "0",
            description = "0 (default) is greedy; above 0 samples, e.g. 0.8.")
    float temperature;

    @Option(
            names = "--top-k",
            defaultValue = "0",
            description = "Sample among the k most likely tokens (0 = all).")
    int topK;

    @Option(
            names = "--top-p",
            defaultValue = "1",
            description = "Nucleus sampling mass, e.g. 0.9 (1 = off).")
    float topP;

    @Option(
            names = "--repetition-penalty",
            defaultValue = "1",
            description = "Divide the scores of tokens already in the text, e.g. 1.1 (1 = off).")
    float repetitionPenalty;

    @Option(
            names = "--stop",
            paramLabel = "TEXT",
            description = "End where TEXT appears (repeatable; TEXT is left out).")
    List<String> stops;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the sampler; the same seed gives the same text.")
    long seed;

    /** The configuration these flags give; a bad value is the user's to fix. */
    GenerationConfig config() {
        try {
            return GenerationConfig.builder()
                    .optMaxNewTokens(maxNewTokens)
                    .optTemperature(temperature)
                    .optTopK(topK)
                    .optTopP(topP)
                    .optRepetitionPenalty(repetitionPenalty)
                    .optStopStrings(stops == null ? List.of() : stops)
                    .optSeed(seed)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
    }
}
