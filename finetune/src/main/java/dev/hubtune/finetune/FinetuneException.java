package dev.hubtune.finetune;

/** Base checked exception of fine-tuning; the message says what went wrong and what to do. */
public class FinetuneException extends Exception {
    private static final long serialVersionUID = 1L;

    /** {@code message} says what to do. */
    public FinetuneException(String message) {
        super(message);
    }

    /** Caused by {@code cause}. */
    public FinetuneException(String message, Throwable cause) {
        super(message, cause);
    }
}
