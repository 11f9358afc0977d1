package dev.hubtune.models.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The versions hubtune reports ({@code stack.properties}, filtered from hubtune-parent's
 * properties) are the versions of the jars actually resolved — which come from hubtune-bom. So the
 * BOM and the parent cannot drift apart unnoticed.
 */
class StackTest {

    @Test
    void reportedVersionsAreTheResolvedOnes() throws IOException {
        Stack stack = Stack.built();
        assertEquals(
                resolvedVersion("org.tensorflow", "tensorflow-core-api"),
                stack.tensorflowJava(),
                "tensorflow.java.version (hubtune-parent) vs hubtune-bom's TF Java");
        assertEquals(
                ai.djl.engine.Engine.getDjlVersion(),
                stack.djl(),
                "djl.version (hubtune-parent) vs hubtune-bom's DJL");
    }

    /** The version in a jar's {@code META-INF/maven/…/pom.properties}. */
    private static String resolvedVersion(String group, String artifact) throws IOException {
        String path = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = StackTest.class.getClassLoader().getResourceAsStream(path)) {
            assertNotNull(in, path + " is not on the class path");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }
}
