package dev.hubtune.models.runtime;

import ai.djl.engine.Engine;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.hubtune.hub.HubtuneHome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;

/**
 * The one entry point that makes TensorFlow usable in this JVM, offline: call {@link #load()}
 * before the first use of DJL's TensorFlow engine or of {@code org.tensorflow} classes.
 *
 * <p>It finds the TensorFlow natives jar ({@code org.tensorflow:tensorflow-core-native:1.1.0},
 * TensorFlow 2.18.0, classifier {@code linux-x86_64} or {@code linux-x86_64-gpu}; see {@link
 * Stack}) on the class path, checks that the C library is new enough for it, extracts its libraries
 * once into the hubtune home, points DJL and JavaCPP at that folder ({@code
 * TENSORFLOW_LIBRARY_PATH}), forces DJL offline (otherwise it would try to download natives of its
 * own) and keeps DJL's and JavaCPP's caches inside the home. With the GPU natives it first loads
 * the CUDA libraries it finds ({@link CudaLibraries}), since the GPU jar carries none. Loading is
 * idempotent and thread-safe; later calls return the first result.
 */
public final class TensorFlowRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(TensorFlowRuntime.class);

    private static RuntimeInfo loaded;

    private TensorFlowRuntime() {}

    /**
     * Loads TensorFlow with the hubtune home of this process ({@link HubtuneHome#fromEnvironment}).
     */
    public static RuntimeInfo load() throws TensorFlowUnavailableException {
        return load(HubtuneHome.fromEnvironment());
    }

    /**
     * Loads TensorFlow, extracting its natives into {@code home} if needed.
     *
     * @throws TensorFlowUnavailableException when the platform is unsupported, the natives jar is
     *     missing, or the libraries fail to load; the message says what to change
     */
    public static synchronized RuntimeInfo load(HubtuneHome home)
            throws TensorFlowUnavailableException {
        if (loaded != null) {
            if (!loaded.nativesDir().startsWith(home.natives())) {
                LOG.debug(
                        "TensorFlow is already loaded from {}; ignoring home {}",
                        loaded.nativesDir(),
                        home);
            }
            return loaded;
        }
        long start = System.nanoTime();
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        Stack stack = Stack.built();
        if (!NativeLibraries.platformSupported(os, arch)) {
            throw new TensorFlowUnavailableException(
                    "TensorFlow "
                            + stack.tensorflow()
                            + " natives from Maven Central exist for Linux x86_64 only; this"
                            + " JVM runs on "
                            + os
                            + " "
                            + arch
                            + ". Run hubtune on a Linux x86_64 machine (or container).");
        }
        Optional<String> glibc = glibcVersion();
        if (glibc.isPresent() && !atLeast(glibc.get(), Stack.MINIMUM_GLIBC)) {
            throw new TensorFlowUnavailableException(
                    "TensorFlow "
                            + stack.tensorflow()
                            + "'s natives need glibc "
                            + Stack.MINIMUM_GLIBC
                            + " or newer, and this system has "
                            + glibc.get()
                            + ". Run hubtune on Debian 12, Ubuntu 22.04, RHEL 9 or newer (or in"
                            + " such a container).");
        }
        NativeLibraries.Source source = findNatives();
        Path dir;
        try {
            dir = NativeLibraries.extract(source, home.natives());
        } catch (IOException e) {
            throw new TensorFlowUnavailableException(
                    "could not extract the TensorFlow natives into "
                            + home.natives()
                            + ": "
                            + e.getMessage()
                            + ". Check free disk space and permissions, or set HUBTUNE_HOME to a"
                            + " writable folder.",
                    e);
        }
        configure(home, dir);
        Optional<CudaLibraries.Report> cuda = Optional.empty();
        if (source.classifier().endsWith("-gpu")) {
            CudaLibraries.Report report = CudaLibraries.find();
            if (!report.complete()) {
                LOG.warn(
                        "GPU natives in use but {}; TensorFlow will run on the CPU",
                        report.advice());
            }
            CudaLibraries.preload(report);
            cuda = Optional.of(report);
        }
        try {
            Engine engine = Engine.getEngine("TensorFlow");
            String version = TensorFlow.version();
            RuntimeInfo info =
                    new RuntimeInfo(
                            version,
                            Engine.getDjlVersion(),
                            source.classifier(),
                            dir,
                            listDevices(),
                            glibc.orElse("unknown"),
                            cuda,
                            (System.nanoTime() - start) / 1_000_000);
            LOG.debug(
                    "TensorFlow {} ({}) loaded from {} in {} ms; DJL engine {}",
                    version,
                    source.classifier(),
                    dir,
                    info.loadMillis(),
                    engine.getEngineName());
            loaded = info;
            return info;
        } catch (RuntimeException | LinkageError e) {
            throw new TensorFlowUnavailableException(
                    "TensorFlow's native libraries in "
                            + dir
                            + " failed to load ("
                            + rootMessage(e)
                            + "). Delete that folder so they are extracted again; if it persists,"
                            + " check that "
                            + stack.nativesArtifact(source.classifier())
                            + " is the only TensorFlow natives jar on the class path (TensorFlow "
                            + stack.tensorflow()
                            + ", DJL "
                            + stack.djl()
                            + ").",
                    e);
        }
    }

    /** The runtime loaded so far in this JVM, if any. */
    public static synchronized Optional<RuntimeInfo> current() {
        return Optional.ofNullable(loaded);
    }

    private static NativeLibraries.Source findNatives() throws TensorFlowUnavailableException {
        ClassLoader loader = TensorFlowRuntime.class.getClassLoader();
        try {
            return NativeLibraries.find(loader)
                    .orElseThrow(() -> new TensorFlowUnavailableException(missingNativesMessage()));
        } catch (IOException e) {
            throw new TensorFlowUnavailableException(
                    "the TensorFlow natives jar on the class path cannot be read: "
                            + e.getMessage()
                            + ". Delete it from ~/.m2 and build again.",
                    e);
        }
    }

    static String missingNativesMessage() {
        return "the TensorFlow native libraries are not on the class path. Add this dependency"
                + " (CPU; use the classifier linux-x86_64-gpu for CUDA "
                + CudaLibraries.CUDA_VERSION
                + "):\n"
                + "  <dependency>\n"
                + "    <groupId>org.tensorflow</groupId>\n"
                + "    <artifactId>tensorflow-core-native</artifactId>\n"
                + "    <version>"
                + Stack.built().tensorflowJava()
                + "</version>\n"
                + "    <classifier>linux-x86_64</classifier>\n"
                + "    <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId>"
                + "</exclusion></exclusions>\n"
                + "  </dependency>";
    }

    /**
     * Points DJL and JavaCPP at the extracted folder. Settings the user made explicitly win, except
     * offline mode: DJL must never try to download natives of its own.
     */
    private static void configure(HubtuneHome home, Path dir) {
        setLibcEnvIfAbsent("TF_CPP_MIN_LOG_LEVEL", "1");
        System.setProperty("TENSORFLOW_LIBRARY_PATH", dir.toString());
        System.setProperty("ai.djl.offline", "true");
        setIfAbsent("DJL_CACHE_DIR", home.djlCache().toString());
        setIfAbsent("ENGINE_CACHE_DIR", home.djlCache().toString());
        setIfAbsent("org.bytedeco.javacpp.cachedir", home.javacppCache().toString());
        // Look in the extracted folder before unpacking the jar's copy into JavaCPP's cache.
        setIfAbsent("org.bytedeco.javacpp.pathsFirst", "true");
        String libraryPath = System.getProperty("java.library.path", "");
        if (!libraryPath.contains(dir.toString())) {
            System.setProperty(
                    "java.library.path",
                    libraryPath.isEmpty()
                            ? dir.toString()
                            : dir + java.io.File.pathSeparator + libraryPath);
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null && System.getenv(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * C library access for {@code setenv} (TensorFlow's C++ logging reads the process environment)
     * and for glibc's version.
     */
    private interface CLibrary extends Library {
        int setenv(String name, String value, int overwrite);

        String gnu_get_libc_version();
    }

    /** The version of the GNU C library of this process, if it is glibc. */
    public static Optional<String> glibcVersion() {
        try {
            return Optional.ofNullable(Native.load("c", CLibrary.class).gnu_get_libc_version());
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty(); // musl, or no libc JNA can open
        }
    }

    /** Whether dotted version {@code actual} is at least {@code minimum} (2.36 ≥ 2.34). */
    static boolean atLeast(String actual, String minimum) {
        String[] a = actual.split("\\.");
        String[] m = minimum.split("\\.");
        for (int i = 0; i < Math.max(a.length, m.length); i++) {
            int x = i < a.length ? leadingInt(a[i]) : 0;
            int y = i < m.length ? leadingInt(m[i]) : 0;
            if (x != y) {
                return x > y;
            }
        }
        return true;
    }

    private static int leadingInt(String part) {
        int end = 0;
        while (end < part.length() && Character.isDigit(part.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(part.substring(0, end));
    }

    private static void setLibcEnvIfAbsent(String name, String value) {
        if (System.getenv(name) != null) {
            return;
        }
        try {
            Native.load("c", CLibrary.class).setenv(name, value, 0);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("Could not set {} for TensorFlow's logging: {}", name, e.toString());
        }
    }

    /** Asks TensorFlow itself which devices a session would see. */
    private static List<Device> listDevices() {
        List<Device> devices = new ArrayList<>();
        TF_Status status = TF_Status.newStatus();
        TF_Graph graph = TF_Graph.newGraph();
        TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
        TF_Session session = tensorflow.TF_NewSession(graph, options, status);
        try {
            check(status, "TF_NewSession");
            TF_DeviceList list = tensorflow.TF_SessionListDevices(session, status);
            check(status, "TF_SessionListDevices");
            try {
                int count = tensorflow.TF_DeviceListCount(list);
                for (int i = 0; i < count; i++) {
                    String name = string(tensorflow.TF_DeviceListName(list, i, status));
                    String type = string(tensorflow.TF_DeviceListType(list, i, status));
                    long memory = tensorflow.TF_DeviceListMemoryBytes(list, i, status);
                    check(status, "TF_DeviceList");
                    devices.add(new Device(name, type, memory));
                }
            } finally {
                tensorflow.TF_DeleteDeviceList(list);
            }
        } finally {
            tensorflow.TF_CloseSession(session, status);
            tensorflow.TF_DeleteSession(session, status);
        }
        devices.sort(Comparator.comparing((Device d) -> d.isGpu()).thenComparing(Device::name));
        return devices;
    }

    private static void check(TF_Status status, String what) {
        if (tensorflow.TF_GetCode(status) != tensorflow.TF_OK) {
            throw new IllegalStateException(what + ": " + string(tensorflow.TF_Message(status)));
        }
    }

    private static String string(BytePointer p) {
        return p == null ? "" : p.getString();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
