package dev.hubtune.cli;

import dev.hubtune.tokenizers.data.DatasetReader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The column flags of commands that read labelled data: {@code --text-column}, {@code
 * --text-pair-column}, {@code --label-column}.
 */
final class DatasetColumns {

    @Option(
            names = "--text-column",
            defaultValue = "text",
            paramLabel = "C",
            description = "Text column (default: ${DEFAULT-VALUE}).")
    String text;

    @Option(
            names = "--text-pair-column",
            paramLabel = "C2",
            description = "Second text of pair tasks.")
    String pair;

    @Option(
            names = "--label-column",
            defaultValue = "label",
            paramLabel = "L",
            description = "Label column (default: ${DEFAULT-VALUE}).")
    String label;

    /** A reader of {@code file} with these columns. */
    DatasetReader.Builder reader(Path file) {
        DatasetReader.Builder b =
                DatasetReader.builder().setFile(file).setTextColumn(text).optLabelColumn(label);
        return pair == null ? b : b.optTextPairColumn(pair);
    }
}
