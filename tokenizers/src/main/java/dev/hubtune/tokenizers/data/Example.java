package dev.hubtune.tokenizers.data;

import java.util.Optional;

/**
 * One labelled example of a dataset.
 *
 * @param text the text
 * @param pair the second text of a pair task, if any
 * @param label the label as written in the file (string or integer), if the dataset has labels
 * @param line the line of the file it started on (1-based), for error messages
 */
public record Example(String text, Optional<String> pair, Optional<String> label, long line) {}
