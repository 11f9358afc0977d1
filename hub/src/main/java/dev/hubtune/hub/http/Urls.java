package dev.hubtune.hub.http;

import dev.hubtune.hub.InvalidReferenceException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Parses the http(s) URLs users and settings give, with messages that say what is wrong. */
public final class Urls {

    private Urls() {}

    /**
     * Parses an absolute http or https URL with a host.
     *
     * @param what how to name the value in the message, e.g. {@code "HF_ENDPOINT"}
     */
    public static URI httpUrl(String text, String what) throws InvalidReferenceException {
        String t = text == null ? "" : text.trim();
        URI uri;
        try {
            uri = new URI(t);
        } catch (URISyntaxException e) {
            throw new InvalidReferenceException(
                    what
                            + " '"
                            + t
                            + "' is not a valid URL ("
                            + e.getReason()
                            + " at character "
                            + (e.getIndex() + 1)
                            + ")"
                            + (t.contains(" ") ? "; write spaces as %20" : "")
                            + ".");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new InvalidReferenceException(
                    what + " '" + t + "' is not an http(s) URL; write it as https://host/path.");
        }
        if (uri.getHost() == null) {
            throw new InvalidReferenceException(
                    what
                            + " '"
                            + t
                            + "' has no host name"
                            + (uri.getRawAuthority() != null
                                    ? " ('"
                                            + uri.getRawAuthority()
                                            + "' is not one: use letters, digits, dots and dashes)"
                                    : "")
                            + "; write it as https://host/path.");
        }
        return uri;
    }

    /** {@code scheme://host[:port]/path} without query or fragment, for messages and logs. */
    public static String display(URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme()
                + "://"
                + uri.getHost()
                + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                + path;
    }

    /** {@code host:port}, the port spelled out. */
    public static String hostPort(URI uri) {
        int port =
                uri.getPort() > 0
                        ? uri.getPort()
                        : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getHost() + ":" + port;
    }

    /**
     * True for names and addresses of this machine (localhost, 127.0.0.0/8, ::1), decided from the
     * text alone so that no DNS lookup is needed.
     */
    public static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.equals("localhost")
                || h.endsWith(".localhost")
                || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
                || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1");
    }
}
