package dev.hubtune.hub.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An expected content hash. {@code GIT_SHA1} is git's blob id, {@code sha1("blob <size>\0" +
 * bytes)}: the only hash the Hugging Face Hub gives for files not stored in LFS.
 *
 * @param algorithm how the hash is computed
 * @param hex the lower-case hex digest
 */
public record ContentHash(Algorithm algorithm, String hex) {

    /** Supported hash algorithms. */
    public enum Algorithm {
        /** SHA-256 of the bytes. */
        SHA256("SHA-256", 64),
        /** SHA-1 of the bytes (Maven's {@code .sha1} files). */
        SHA1("SHA-1", 40),
        /** Git blob id: SHA-1 of {@code "blob " + size + "\0"} then the bytes. */
        GIT_SHA1("SHA-1", 40);

        private final String jca;
        private final int hexLength;

        Algorithm(String jca, int hexLength) {
            this.jca = jca;
            this.hexLength = hexLength;
        }

        /** A fresh digest for this algorithm, primed for a content of {@code size} bytes. */
        public MessageDigest newDigest(long size) {
            try {
                MessageDigest d = MessageDigest.getInstance(jca);
                if (this == GIT_SHA1) {
                    d.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
                }
                return d;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(jca + " is part of every JRE", e);
            }
        }
    }

    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    /** Validates the digest's length and characters. */
    public ContentHash {
        hex = hex.trim().toLowerCase(Locale.ROOT);
        if (hex.length() != algorithm.hexLength || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException(
                    "not a "
                            + algorithm
                            + " hex digest ("
                            + algorithm.hexLength
                            + " hex digits): "
                            + hex);
        }
    }

    /** A SHA-256 hash. */
    public static ContentHash sha256(String hex) {
        return new ContentHash(Algorithm.SHA256, hex);
    }

    /** Hex of a finished digest. */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public String toString() {
        return algorithm.name().toLowerCase(Locale.ROOT) + ":" + hex;
    }
}
