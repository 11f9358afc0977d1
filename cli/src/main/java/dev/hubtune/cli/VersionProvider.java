package dev.hubtune.cli;

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
            "Java " + System.getProperty("java.version") + ", DJL 0.28.0, TensorFlow 2.10.1"
        };
    }
}
