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

/** {@code hubtune generate REF PROMPT}: continue a prompt with a decoder. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description =
                "Continue PROMPT with a decoder (GPT-2, Llama, Qwen2, Mistral, Gemma, SmolLM2; greedy"
                        + " by default, --temperature samples), using a key/value cache.")
final class GenerateCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(
            index = "0",
            paramLabel = "REF",
            description =
                    "A decoder: a manifest id (smollm2-135m-instruct), a directory from `hubtune"
                            + " init`/`finetune`, a GGUF's folder, hf:…, pypi:…")
    String ref;

    @Parameters(index = "1", paramLabel = "PROMPT", description = "The text to continue.")
    String prompt;

    @Mixin SamplingOptions sampling;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description = "A PEFT LoRA adapter to apply over the model (REF is its base).")
    java.nio.file.Path adapter;

    @Override
    public Integer call() throws HubException, ModelException, TokenizerException {
        GenerationConfig config = sampling.config();
        java.nio.file.Path dir = common.model(ref);
        TextGenerator.Generation g;
        try (TextGenerator generator = generator(dir)) {
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

    private TextGenerator generator(java.nio.file.Path dir)
            throws ModelException, TokenizerException {
        TextGenerator.Builder b = TextGenerator.builder().setModelDir(dir);
        if (adapter != null) {
            b.optAdapter(adapter);
        }
        return b.build();
    }
}
