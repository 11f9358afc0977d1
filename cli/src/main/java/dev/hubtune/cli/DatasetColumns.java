package dev.hubtune.cli;

import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.tokenizers.data.DatasetReader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The column flags of commands that read labelled data: {@code --text-column}, {@code
 * --text-pair-column}, {@code --label-column}.
 */
final class DatasetColumns {

    /** The text column when none is given. */
    static final String DEFAULT_TEXT = "text";

    /** The label column when none is given. */
    static final String DEFAULT_LABEL = "label";

    @Option(
            names = "--text-column",
            paramLabel = "C",
            description = "Text column (default: " + DEFAULT_TEXT + "; eval: the training's).")
    String text;

    @Option(
            names = "--text-pair-column",
            paramLabel = "C2",
            description = "Second text of pair tasks.")
    String pair;

    @Option(
            names = "--label-column",
            paramLabel = "L",
            description = "Label column (default: " + DEFAULT_LABEL + "; eval: the training's).")
    String label;

    /** The text column given, else the default. */
    String text() {
        return text != null ? text : DEFAULT_TEXT;
    }

    /** The label column given, else the default. */
    String label() {
        return label != null ? label : DEFAULT_LABEL;
    }

    /**
     * These columns, with what was not given on the command line taken from what the model was
     * trained with.
     */
    DatasetColumns orTrained(java.util.Optional<ExportMetadata.DataColumns> trained) {
        DatasetColumns c = new DatasetColumns();
        c.text = text != null ? text : trained.map(ExportMetadata.DataColumns::text).orElse(null);
        c.pair = pair != null ? pair : trained.map(ExportMetadata.DataColumns::pair).orElse(null);
        c.label =
                label != null ? label : trained.map(ExportMetadata.DataColumns::label).orElse(null);
        return c;
    }

    /** A reader of {@code file} with these columns. */
    DatasetReader.Builder reader(Path file) {
        DatasetReader.Builder b =
                DatasetReader.builder().setFile(file).setTextColumn(text()).optLabelColumn(label());
        return pair == null ? b : b.optTextPairColumn(pair);
    }
}
