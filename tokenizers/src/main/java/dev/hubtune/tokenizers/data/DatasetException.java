package dev.hubtune.tokenizers.data;

import dev.hubtune.tokenizers.TokenizerException;

/** A dataset file that cannot be read as asked; the message names the file, line and fix. */
public final class DatasetException extends TokenizerException {
    private static final long serialVersionUID = 1L;

    /** {@code message} names file, line and what to do. */
    public DatasetException(String message) {
        super(message);
    }

    /** Caused by {@code cause}. */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
