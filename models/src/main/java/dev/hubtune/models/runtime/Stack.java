package dev.hubtune.models.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The versions of the native stack hubtune was built against, read from the jar (the POM is the one
 * place they are set): TensorFlow, the TF Java artifacts that carry it, and DJL.
 *
 * @param tensorflow the TensorFlow release of the natives, e.g. {@code 2.18.0}
 * @param tensorflowJava the version of {@code org.tensorflow:tensorflow-core-api} and {@code
 *     tensorflow-core-native}, e.g. {@code 1.1.0}
 * @param djl the DJL version, e.g. {@code 0.36.0}
 */
public record Stack(String tensorflow, String tensorflowJava, String djl) {

    /** The oldest glibc TF Java 1.1.0's {@code libjnitensorflow.so} links against. */
    public static final String MINIMUM_GLIBC = "2.34";

    private static final Stack BUILT = load();

    /** The stack of this build. */
    public static Stack built() {
        return BUILT;
    }

    /** Maven coordinates of the natives jar for {@code classifier}. */
    public String nativesArtifact(String classifier) {
        return "org.tensorflow:tensorflow-core-native:" + tensorflowJava + ":" + classifier;
    }

    private static Stack load() {
        Properties p = new Properties();
        try (InputStream in = Stack.class.getResourceAsStream("stack.properties")) {
            if (in == null) {
                throw new IllegalStateException("stack.properties is missing from hubtune-models");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Stack(
                p.getProperty("tensorflow"),
                p.getProperty("tensorflow.java"),
                p.getProperty("djl"));
    }
}
