package dev.hubtune.hub.cache;

import dev.hubtune.hub.InvalidReferenceException;
import java.nio.file.Path;

/** Guards every path that comes from a server, a manifest or an archive against traversal. */
public final class SafePaths {

    private SafePaths() {}

    /**
     * Resolves a relative, forward-slash path inside {@code base}, refusing absolute paths, {@code
     * ..}, empty segments, backslashes and control characters.
     */
    public static Path resolveInside(Path base, String relative) throws InvalidReferenceException {
        if (relative == null || relative.isEmpty()) {
            throw unsafe(relative, "it is empty");
        }
        if (relative.startsWith("/")
                || relative.contains("\\")
                || relative.matches("^[A-Za-z]:.*")) {
            throw unsafe(relative, "it is absolute or uses backslashes");
        }
        for (int i = 0; i < relative.length(); i++) {
            if (Character.isISOControl(relative.charAt(i))) {
                throw unsafe(relative, "it contains a control character");
            }
        }
        for (String segment : relative.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw unsafe(relative, "it has an empty, '.' or '..' segment");
            }
        }
        Path resolved = base.resolve(relative).normalize();
        if (!resolved.startsWith(base.normalize())) {
            throw unsafe(relative, "it leaves " + base);
        }
        return resolved;
    }

    /** Checks a single path segment (a revision name, a blob id). */
    public static String checkSegment(String segment, String what)
            throws InvalidReferenceException {
        if (segment == null
                || segment.isEmpty()
                || segment.equals(".")
                || segment.equals("..")
                || segment.contains("/")
                || segment.contains("\\")
                || segment.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidReferenceException(
                    "refusing " + what + " '" + segment + "': it must be one plain path segment");
        }
        return segment;
    }

    private static InvalidReferenceException unsafe(String path, String why) {
        return new InvalidReferenceException(
                "refusing file path '"
                        + path
                        + "' from the source: "
                        + why
                        + ". The source is misbehaving or malicious; nothing was written.");
    }
}
