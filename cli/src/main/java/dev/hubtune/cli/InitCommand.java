package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.tokenizers.TokenizerException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hubtune init PRESET --tokenizer REF --output DIR}: a fresh model to train from scratch.
 */
@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description =
                "Write a freshly initialised model (HF format) with the tokenizer of REF: a"
                        + " preset, or an HF config.json of any supported model type with"
                        + " --config.")
final class InitCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "PRESET",
            completionCandidates = InitCommand.Presets.class,
            description = "One of ${COMPLETION-CANDIDATES} (omit with --config).")
    String preset;

    @Option(
            names = "--tokenizer",
            required = true,
            paramLabel = "REF",
            description = "Where the tokenizer comes from, e.g. gpt2-tokenizer or a directory.")
    String tokenizer;

    @Option(
            names = {"-o", "--output"},
            converter = OptionValues.OutputDirectory.class,
            required = true,
            paramLabel = "DIR",
            description = "The new model directory (must not exist or be empty).")
    Path output;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "An HF config.json instead of a preset (gpt2, bert, llama, roberta, …).")
    Path config;

    @Option(names = "--seed", defaultValue = "0", description = "Initialisation seed.")
    long seed;

    @Override
    public Integer call() throws HubException, ModelException, TokenizerException {
        if ((preset == null) == (config == null)) {
            throw new UserException(
                    "give either a PRESET (" + ModelInitializer.PRESETS + ") or --config FILE");
        }
        ModelDir tokenizerDir = common.hub(common.progress()).pull(tokenizer);
        Path dir =
                config != null
                        ? ModelInitializer.createFromConfig(
                                config, tokenizerDir.path(), output, seed)
                        : ModelInitializer.create(preset, tokenizerDir.path(), output, seed);
        spec.commandLine()
                .getOut()
                .println("initialised " + (preset != null ? preset : config) + " at " + dir);
        return Hubtune.EXIT_OK;
    }

    /** The presets, as {@link ModelInitializer} defines them. */
    static final class Presets implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ModelInitializer.PRESETS.iterator();
        }
    }
}
