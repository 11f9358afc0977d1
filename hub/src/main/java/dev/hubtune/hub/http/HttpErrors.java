package dev.hubtune.hub.http;

import dev.hubtune.hub.AccessDeniedException;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelNotFoundException;
import dev.hubtune.hub.ModelNotFoundException.What;
import dev.hubtune.hub.NetworkException;
import java.io.IOException;

/**
 * Turns an HTTP error answer into a specific, actionable {@link HubException}, using the Hugging
 * Face Hub's {@code X-Error-Code} header where the server sends it.
 */
public final class HttpErrors {

    private HttpErrors() {}

    /**
     * Maps an error response about {@code what} (e.g. "repository bert-base-uncased").
     *
     * @param notFound what a plain 404 means for this request
     */
    public static HubException map(HttpTransport.Response r, String what, What notFound) {
        String code = r.header("X-Error-Code").orElse("");
        String serverMessage = r.header("X-Error-Message").orElseGet(() -> snippet(r));
        String detail = serverMessage.isBlank() ? "" : " (server: " + serverMessage + ")";
        int status = r.status();
        switch (code) {
            case "RepoNotFound":
                return new ModelNotFoundException(
                        What.REPOSITORY,
                        what
                                + " does not exist, or is private"
                                + detail
                                + ". Check the spelling; for a private repository set HF_TOKEN.");
            case "RevisionNotFound":
                return new ModelNotFoundException(
                        What.REVISION,
                        "the revision of "
                                + what
                                + " does not exist"
                                + detail
                                + ". Use a branch, tag or commit of the repository (default: main).");
            case "EntryNotFound":
                return new ModelNotFoundException(
                        What.FILE, what + " does not exist at that revision" + detail + ".");
            case "GatedRepo":
                return new AccessDeniedException(
                        what
                                + " is gated"
                                + detail
                                + ". Accept its conditions on the model's web page, then set HF_TOKEN"
                                + " to a token of that account.");
            default:
                break;
        }
        if (status == 401) {
            return new AccessDeniedException(
                    what
                            + " needs authentication: it is private, gated or does not exist (HTTP"
                            + " 401)"
                            + detail
                            + ". Check the name; if it is yours or gated, set HF_TOKEN to a token"
                            + " with read access.");
        }
        if (status == 403) {
            return new AccessDeniedException(
                    what
                            + ": access refused (HTTP 403)"
                            + detail
                            + ". The token lacks access: request access on the model's page or use"
                            + " another token.");
        }
        if (status == 404) {
            return new ModelNotFoundException(
                    notFound,
                    what
                            + " was not found (HTTP 404 from "
                            + Urls.display(r.uri())
                            + ")"
                            + detail
                            + ".");
        }
        String message =
                what
                        + ": the server answered HTTP "
                        + status
                        + detail
                        + " at "
                        + Urls.display(r.uri())
                        + ". Try again later; if it persists, check HF_ENDPOINT or the repository"
                        + " URL.";
        if (HttpTransport.transientStatus(status)) {
            // An outage, not an answer: callers may fall back to a cached copy.
            return new NetworkException(NetworkException.Kind.SERVER_ERROR, message, null);
        }
        return new HubException(message);
    }

    private static String snippet(HttpTransport.Response r) {
        try {
            String body = r.text(300).replaceAll("\\s+", " ").trim();
            return body.length() > 200 ? body.substring(0, 200) + "…" : body;
        } catch (IOException e) {
            return "";
        }
    }
}
