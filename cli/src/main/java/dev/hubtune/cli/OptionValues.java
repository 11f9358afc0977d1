package dev.hubtune.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters that check numeric options while the command line is parsed, so that {@code
 * --batch-size 0} or {@code --learning-rate NaN} is picocli's one-line "Invalid value for option
 * '--batch-size': …" (exit 1) before anything is pulled or read, not an error deep inside training.
 */
final class OptionValues {

    private OptionValues() {}

    private static int parseInt(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    private static double parseDouble(String value) {
        double d;
        try {
            d = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
        if (!Double.isFinite(d)) {
            throw new TypeConversionException("'" + value + "' is not a finite number");
        }
        return d;
    }

    /** A whole number of at least 1 (sizes, lengths, counts of steps or epochs). */
    static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = parseInt(value);
            if (n < 1) {
                throw new TypeConversionException(
                        "'" + value + "' must be a whole number of at least 1");
            }
            return n;
        }
    }

    /** A whole number of at least 0 (0 usually meaning "off" or "automatic"). */
    static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = parseInt(value);
            if (n < 0) {
                throw new TypeConversionException(
                        "'" + value + "' must be a whole number of at least 0");
            }
            return n;
        }
    }

    /** A finite number above 0. */
    static final class PositiveNumber implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d = parseDouble(value);
            if (d <= 0) {
                throw new TypeConversionException("'" + value + "' must be a number above 0");
            }
            return d;
        }
    }

    /** A learning rate: a number in (0, 1), as the trainers take. */
    static final class LearningRate implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d = parseDouble(value);
            if (d <= 0 || d >= 1) {
                throw new TypeConversionException(
                        "'" + value + "' must be a number above 0 and below 1, e.g. 2e-5");
            }
            return d;
        }
    }

    /** A probability strictly between 0 and 1 (a decision threshold). */
    static final class OpenUnit implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d = parseDouble(value);
            if (d <= 0 || d >= 1) {
                throw new TypeConversionException(
                        "'" + value + "' must be a number above 0 and below 1");
            }
            return d;
        }
    }

    /** A dropout rate in [0, 1). */
    static final class Dropout implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d = parseDouble(value);
            if (d < 0 || d >= 1) {
                throw new TypeConversionException(
                        "'" + value + "' must be a number of at least 0 and below 1");
            }
            return d;
        }
    }

    /**
     * A directory to write into: an existing regular file there is refused at once, with what to do
     * (it would otherwise fail later, on creating the directory, naming only the path).
     */
    static final class OutputDirectory implements ITypeConverter<java.nio.file.Path> {
        @Override
        public java.nio.file.Path convert(String value) {
            java.nio.file.Path p;
            try {
                p = java.nio.file.Path.of(value);
            } catch (java.nio.file.InvalidPathException e) {
                throw new TypeConversionException("'" + value + "' is not a path");
            }
            if (java.nio.file.Files.exists(p) && !java.nio.file.Files.isDirectory(p)) {
                throw new TypeConversionException(
                        "'"
                                + value
                                + "' is an existing file, not a directory; give the path of a new"
                                + " directory, or move the file away");
            }
            return p;
        }
    }
}
