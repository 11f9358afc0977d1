package dev.hubtune.cli;

import dev.hubtune.models.runtime.Stack;
import picocli.CommandLine.IVersionProvider;

/** {@code hubtune --version}: hubtune's version and the versions it was built against. */
final class VersionProvider implements IVersionProvider {

    /** hubtune's version from the jar manifest ({@code dev} when run from classes). */
    static String hubtuneVersion() {
        String v = Hubtune.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "hubtune " + hubtuneVersion(),
            "Java "
                    + System.getProperty("java.version")
                    + ", DJL "
                    + Stack.built().djl()
                    + ", TensorFlow "
                    + Stack.built().tensorflow()
        };
    }
}
