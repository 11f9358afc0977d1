package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.TextGenerator;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune generate REF PROMPT}: continue a prompt with a GPT-2 model. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description =
                "Continue PROMPT with a GPT-2 model (greedy by default; --temperature samples),"
                        + " using a key/value cache.")
final class GenerateCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(
            index = "0",
            paramLabel = "REF",
            description = "A GPT-2 model: a directory from `hubtune init`/`finetune`, or hf:…")
    String ref;

    @Parameters(index = "1", paramLabel = "PROMPT", description = "The text to continue.")
    String prompt;

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
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the sampler; the same seed gives the same text.")
    long seed;

    @Override
    public Integer call() throws HubException, ModelException, TokenizerException {
        GenerationConfig config;
        try {
            config =
                    GenerationConfig.builder()
                            .optMaxNewTokens(maxNewTokens)
                            .optTemperature(temperature)
                            .optTopK(topK)
                            .optTopP(topP)
                            .optSeed(seed)
                            .build();
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), e);
        }
        java.nio.file.Path dir = common.model(ref);
        TextGenerator.Generation g;
        try (TextGenerator generator = TextGenerator.builder().setModelDir(dir).build()) {
            g = generator.generate(prompt, config);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("prompt", prompt);
            row.put("text", g.text());
            row.put("prompt_ids", g.promptIds());
            row.put("new_ids", g.newIds());
            row.put("stopped_at_end_of_text", g.stoppedAtEndOfText());
            row.put("tokens_per_second", g.tokensPerSecond());
            out.println(Json.GSON.toJson(row));
            return Hubtune.EXIT_OK;
        }
        out.println(prompt + g.text());
        if (!common.quiet) {
            spec.commandLine()
                    .getErr()
                    .printf(
                            Locale.ROOT,
                            "%d tokens, %.1f tokens/s, %s%s%n",
                            g.newIds().length,
                            g.tokensPerSecond(),
                            config,
                            g.stoppedAtEndOfText() ? ", stopped at end-of-text" : "");
        }
        return Hubtune.EXIT_OK;
    }
}
