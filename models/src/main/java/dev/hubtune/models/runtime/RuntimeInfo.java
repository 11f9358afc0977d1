package dev.hubtune.models.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * What the loaded TensorFlow runtime is and where it came from.
 *
 * @param tensorflowVersion version reported by the native library (e.g. {@code 2.18.0})
 * @param djlVersion version of DJL's API
 * @param nativesClassifier Maven classifier of the natives jar ({@code linux-x86_64} or {@code
 *     linux-x86_64-gpu})
 * @param nativesDir folder the native libraries were loaded from
 * @param devices devices TensorFlow sees, CPU first
 * @param glibc the C library's version ({@code unknown} if not glibc)
 * @param cuda with the GPU natives, the CUDA libraries found and missing
 * @param loadMillis time spent loading (extraction included on first use)
 */
public record RuntimeInfo(
        String tensorflowVersion,
        String djlVersion,
        String nativesClassifier,
        Path nativesDir,
        List<Device> devices,
        String glibc,
        java.util.Optional<CudaLibraries.Report> cuda,
        long loadMillis) {

    /** Copies the device list. */
    public RuntimeInfo {
        devices = List.copyOf(devices);
    }

    /** True when TensorFlow sees at least one GPU. */
    public boolean hasGpu() {
        return devices.stream().anyMatch(Device::isGpu);
    }
}
