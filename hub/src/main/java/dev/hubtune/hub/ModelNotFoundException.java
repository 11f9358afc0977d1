package dev.hubtune.hub;

/** A repository, revision or file that does not exist at the source. */
public final class ModelNotFoundException extends HubException {
    private static final long serialVersionUID = 1L;

    /** What is missing. */
    public enum What {
        /** The repository (or Maven artifact) does not exist, or is private. */
        REPOSITORY,
        /** The repository exists but the branch, tag or commit does not. */
        REVISION,
        /** The revision exists but the file does not. */
        FILE
    }

    private final What what;

    /** {@code what} was not found; {@code message} says what to do. */
    public ModelNotFoundException(What what, String message) {
        super(message);
        this.what = what;
    }

    /** What was not found. */
    public What what() {
        return what;
    }
}
