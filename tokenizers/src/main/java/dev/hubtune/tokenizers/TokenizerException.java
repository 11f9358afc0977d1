package dev.hubtune.tokenizers;

/** Base checked exception of the tokenizers module; the message says what to do. */
public class TokenizerException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error with a message that says what was expected, what was found and what to do. */
    public TokenizerException(String message) {
        super(message);
    }

    /** An error caused by {@code cause}. */
    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
