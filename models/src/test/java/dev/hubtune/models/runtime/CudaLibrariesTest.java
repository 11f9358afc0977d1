package dev.hubtune.models.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding CUDA 12 / cuDNN 9 in pip's layout and on the system, and saying what is missing. */
class CudaLibrariesTest {

    @Test
    void findsPipWheelsOfAVirtualenvAndNamesTheMissingPackages(@TempDir Path tmp) throws Exception {
        Path nvidia = tmp.resolve("venv/lib/python3.11/site-packages/nvidia");
        for (String[] lib :
                new String[][] {
                    {"cuda_runtime", "libcudart.so.12"},
                    {"cublas", "libcublas.so.12"},
                    {"cublas", "libcublasLt.so.12"},
                    {"nvjitlink", "libnvJitLink.so.12"}
                }) {
            Path dir = Files.createDirectories(nvidia.resolve(lib[0]).resolve("lib"));
            Files.writeString(dir.resolve(lib[1]), "");
        }
        List<Path> path =
                CudaLibraries.searchPath(
                        Map.of("VIRTUAL_ENV", tmp.resolve("venv").toString()), tmp.resolve("home"));
        CudaLibraries.Report report = CudaLibraries.find(path);

        assertEquals(
                nvidia.resolve("cuda_runtime/lib/libcudart.so.12"),
                report.found().get("libcudart.so.12"));
        assertEquals(4, report.found().size(), report.found().toString());
        assertFalse(report.complete());
        String advice = report.advice();
        assertTrue(advice.contains("libcudnn.so.9"), advice);
        assertTrue(advice.contains("nvidia-cudnn-cu12"), advice);
        assertTrue(advice.contains("nvidia-cufft-cu12"), advice);
        assertFalse(advice.contains("nvidia-cublas-cu12"), "cuBLAS was found: " + advice);
        assertFalse(advice.contains("libnccl"), "NCCL is optional: " + advice);
        assertTrue(advice.contains(CudaLibraries.PATH_VARIABLE), advice);
    }

    @Test
    void explicitFoldersComeFirstAndACompleteSetNeedsNoAdvice(@TempDir Path tmp) throws Exception {
        Path mine = Files.createDirectories(tmp.resolve("cuda"));
        Path other = Files.createDirectories(tmp.resolve("other"));
        for (CudaLibraries.Library lib : CudaLibraries.LIBRARIES) {
            if (lib.required()) {
                Files.writeString(mine.resolve(lib.soname()), "");
                Files.writeString(other.resolve(lib.soname()), "");
            }
        }
        List<Path> path =
                CudaLibraries.searchPath(
                        Map.of(
                                CudaLibraries.PATH_VARIABLE,
                                mine.toString(),
                                "LD_LIBRARY_PATH",
                                other.toString()),
                        tmp);
        assertEquals(List.of(mine, other), path.subList(0, 2));
        CudaLibraries.Report report = CudaLibraries.find(path);
        assertTrue(report.complete(), report.advice());
        assertEquals("", report.advice());
        assertEquals(mine.resolve("libcudnn.so.9"), report.found().get("libcudnn.so.9"));
    }

    @Test
    void readsTheDriverVersionLine(@TempDir Path tmp) throws Exception {
        Path version = tmp.resolve("version");
        Files.writeString(
                version,
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 2025\n"
                        + "GCC version:  gcc version 12.2.0\n");
        assertEquals(
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 2025",
                CudaLibraries.driverVersion(version).orElseThrow());
        assertTrue(CudaLibraries.driverVersion(tmp.resolve("absent")).isEmpty());
    }

    @Test
    void comparesGlibcVersions() {
        assertTrue(TensorFlowRuntime.atLeast("2.36", "2.34"));
        assertTrue(TensorFlowRuntime.atLeast("2.34", "2.34"));
        assertTrue(TensorFlowRuntime.atLeast("2.40.1", "2.34"));
        assertFalse(TensorFlowRuntime.atLeast("2.31", "2.34"));
        assertFalse(TensorFlowRuntime.atLeast("2.4", "2.34"));
        assertTrue(TensorFlowRuntime.atLeast("3.0", "2.34"));
    }
}
