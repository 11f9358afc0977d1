package dev.hubtune.models.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.hubtune.hub.HubtuneHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DJL's TensorFlow engine and the TF Java API both work after {@link TensorFlowRuntime#load()}. */
class TensorFlowRuntimeTest {

    private static RuntimeInfo info;

    @BeforeAll
    static void load() throws Exception {
        info = TensorFlowRuntime.load();
    }

    @Test
    void reportsTensorFlow2180OnCpuFromTheHome() {
        assertEquals("2.18.0", info.tensorflowVersion());
        assertEquals(Stack.built().tensorflow(), info.tensorflowVersion());
        assertEquals("0.36.0", info.djlVersion());
        assertTrue(TensorFlowRuntime.atLeast(info.glibc(), Stack.MINIMUM_GLIBC), info.glibc());
        assertTrue(info.cuda().isEmpty(), "CPU natives: no CUDA search");
        assertTrue(
                info.devices().stream().anyMatch(d -> d.type().equals("CPU")),
                "devices: " + info.devices());
        HubtuneHome home = HubtuneHome.fromEnvironment();
        assertTrue(info.nativesDir().startsWith(home.natives()), info.nativesDir().toString());
        for (String lib : NativeLibraries.LIBRARIES) {
            assertTrue(Files.isRegularFile(info.nativesDir().resolve(lib)), lib);
        }
    }

    @Test
    void loadIsIdempotent() throws Exception {
        assertSame(info, TensorFlowRuntime.load());
        assertSame(info, TensorFlowRuntime.current().orElseThrow());
    }

    @Test
    void djlIsOfflineAndItsCachesStayInTheHome() throws Exception {
        HubtuneHome home = HubtuneHome.fromEnvironment();
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals(info.nativesDir().toString(), System.getProperty("TENSORFLOW_LIBRARY_PATH"));
        // The jar's own copy must not have been unpacked a second time by JavaCPP or DJL.
        for (Path cache : new Path[] {home.javacppCache(), home.djlCache()}) {
            if (Files.exists(cache)) {
                try (Stream<Path> files = Files.walk(cache)) {
                    assertFalse(
                            files.anyMatch(
                                    p -> p.getFileName().toString().contains("tensorflow_cc")),
                            "a second copy of the natives in " + cache);
                }
            }
        }
    }

    @Test
    void djlNdArrayOpsRunOnTheTensorFlowEngine() {
        Engine engine = Engine.getEngine("TensorFlow");
        assertEquals("TensorFlow", engine.getEngineName());
        try (NDManager manager = NDManager.newBaseManager(engine.getEngineName())) {
            NDArray a = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            NDArray b = manager.create(new float[] {1, 0, 0, 1, 1, 1}, new Shape(3, 2));
            assertArrayEquals(new float[] {4, 5, 10, 11}, a.matMul(b).toFloatArray());
            float[] softmax =
                    manager.create(new float[] {0f, (float) Math.log(3)}).softmax(0).toFloatArray();
            assertArrayEquals(new float[] {0.25f, 0.75f}, softmax, 1e-6f);
        }
    }
}
