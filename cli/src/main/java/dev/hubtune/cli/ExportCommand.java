package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.ModelExports;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune export REF --output DIR}: a SavedModel for serving, or HF format for Python. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Export a model as it is (a classifier with its head and labels, a language model with"
                    + " its LM head): a TensorFlow SavedModel with a serving signature (DJL, TF"
                    + " Serving) or Hugging Face format (config.json + model.safetensors), with its"
                    + " tokenizer and hubtune.json."
        })
final class ExportCommand implements Callable<Integer> {

    /** Export formats. */
    enum Format {
        savedmodel,
        hf
    }

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(index = "0", paramLabel = "REF", description = "The model reference.")
    String ref;

    @Option(
            names = {"-o", "--output"},
            converter = OptionValues.OutputDirectory.class,
            required = true,
            paramLabel = "DIR",
            description = "A new (or empty) directory.")
    Path output;

    @Option(names = "--format", paramLabel = "FORMAT", description = "savedmodel (default) or hf.")
    Format format = Format.savedmodel;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description = "A PEFT LoRA adapter over REF (its base), to merge in with --merge.")
    java.nio.file.Path adapter;

    @Option(
            names = "--merge",
            description =
                    "Fold --adapter into the base: a plain HF model computing what base + adapter"
                            + " computes.")
    boolean merge;

    @Override
    public Integer call() throws HubException, ModelException {
        java.nio.file.Path dir = common.model(ref);
        if (adapter != null || merge) {
            if (adapter == null || !merge) {
                throw new UserException(
                        "give --adapter DIR with --merge to export a merged model (an adapter"
                                + " directory already is PEFT's format)");
            }
            ModelExports.mergedHuggingFace(dir, adapter, output);
        } else if (format == Format.hf) {
            ModelExports.huggingFace(dir, output);
        } else {
            ModelExports.savedModel(dir, output);
        }
        spec.commandLine().getOut().println(output.toAbsolutePath());
        return Hubtune.EXIT_OK;
    }
}
