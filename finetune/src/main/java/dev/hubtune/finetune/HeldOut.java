package dev.hubtune.finetune;

import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.Split;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A task's training and validation items: the validation file's when one is given, else a seeded
 * fraction of the training file's, chosen by line number so it does not move when the file grows.
 *
 * @param train the items to train on
 * @param validation the items to evaluate on
 * @param <T> an example, sentence, …
 */
record HeldOut<T>(List<T> train, List<T> validation) {

    /** Reads one data file. */
    @FunctionalInterface
    interface Reader<T> {
        List<T> read(Path file) throws TokenizerException;
    }

    /** Splits the settings' training file (and reads the validation file, if any). */
    static <T> HeldOut<T> split(TrainingSettings s, Reader<T> reader, ToLongFunction<T> line)
            throws TokenizerException {
        List<T> train = new ArrayList<>();
        List<T> validation = new ArrayList<>();
        for (T item : reader.read(s.trainFile())) {
            boolean heldOut =
                    s.validationFile() == null
                            && Split.isValidation(
                                    s.seed(), line.applyAsLong(item), s.validationFraction());
            (heldOut ? validation : train).add(item);
        }
        if (s.validationFile() != null) {
            validation.addAll(reader.read(s.validationFile()));
        }
        return new HeldOut<>(train, validation);
    }

    /** The validation data in messages: the validation file, or the held-out part of --train. */
    static String validationSource(TrainingSettings s) {
        return s.validationFile() != null
                ? "the validation file " + s.validationFile()
                : "the held-out validation part of " + s.trainFile();
    }

    /** Runs {@code step} on validation data, naming where that data came from in its error. */
    static <T> T onValidation(TrainingSettings s, Step<T> step) throws TokenizerException {
        try {
            return step.run();
        } catch (dev.hubtune.tokenizers.data.DatasetException e) {
            throw new dev.hubtune.tokenizers.data.DatasetException(
                    "in " + validationSource(s) + ": " + e.getMessage(), e);
        }
    }

    /** A step over validation data. */
    @FunctionalInterface
    interface Step<T> {
        T run() throws TokenizerException;
    }
}
