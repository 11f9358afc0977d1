package dev.hubtune.models.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA libraries TensorFlow 2.18's GPU natives load at run time, and where they are on this
 * machine. The GPU jar bundles no CUDA: TensorFlow {@code dlopen}s CUDA 12 / cuDNN 9 by soname, so
 * they must come from pip's {@code nvidia-*-cu12} wheels (the {@code site-packages/nvidia/<x>/lib}
 * layout TensorFlow's own pip package uses) or from the system (a CUDA toolkit, distribution
 * packages, {@code LD_LIBRARY_PATH}).
 *
 * <p>{@link #preload} loads each library found by absolute path, in dependency order, before
 * TensorFlow does: its later {@code dlopen} of the soname then finds the library already in the
 * process, wherever it lives. (Setting {@code LD_LIBRARY_PATH} from inside a running JVM would have
 * no effect: the dynamic loader reads it at process start.)
 */
public final class CudaLibraries {

    private static final Logger LOG = LoggerFactory.getLogger(CudaLibraries.class);

    /** Environment variable with extra folders to search, as a path list. */
    public static final String PATH_VARIABLE = "HUBTUNE_CUDA_LIBRARY_PATH";

    /**
     * A library TensorFlow needs.
     *
     * @param soname the file name TensorFlow asks the dynamic loader for
     * @param pipPackage the PyPI wheel that carries it
     * @param pipFolder its folder under {@code site-packages/nvidia/}
     * @param required whether TensorFlow refuses the GPU without it (NCCL only matters for
     *     multi-GPU collectives)
     */
    public record Library(String soname, String pipPackage, String pipFolder, boolean required) {}

    /** In load order: each library after the ones it links against. */
    public static final List<Library> LIBRARIES =
            List.of(
                    new Library("libnvJitLink.so.12", "nvidia-nvjitlink-cu12", "nvjitlink", true),
                    new Library(
                            "libcudart.so.12", "nvidia-cuda-runtime-cu12", "cuda_runtime", true),
                    new Library("libcublasLt.so.12", "nvidia-cublas-cu12", "cublas", true),
                    new Library("libcublas.so.12", "nvidia-cublas-cu12", "cublas", true),
                    new Library("libcufft.so.11", "nvidia-cufft-cu12", "cufft", true),
                    new Library("libcurand.so.10", "nvidia-curand-cu12", "curand", true),
                    new Library("libcusparse.so.12", "nvidia-cusparse-cu12", "cusparse", true),
                    new Library("libcusolver.so.11", "nvidia-cusolver-cu12", "cusolver", true),
                    new Library("libcudnn.so.9", "nvidia-cudnn-cu12", "cudnn", true),
                    new Library("libnccl.so.2", "nvidia-nccl-cu12", "nccl", false));

    /** The versions TensorFlow 2.18.0 was built with, for install hints. */
    public static final String CUDA_VERSION = "12.5";

    /** See {@link #CUDA_VERSION}. */
    public static final String CUDNN_VERSION = "9.3";

    /**
     * What was found.
     *
     * @param driver the NVIDIA kernel driver's version line, if a driver is loaded
     * @param found each library found, with its path, in load order
     * @param missing the libraries not found, in load order
     * @param searched the folders searched, in order
     */
    public record Report(
            Optional<String> driver,
            Map<String, Path> found,
            List<Library> missing,
            List<Path> searched) {

        /** Copies the collections. */
        public Report {
            found = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(found));
            missing = List.copyOf(missing);
            searched = List.copyOf(searched);
        }

        /** True when every required library was found. */
        public boolean complete() {
            return missing.stream().noneMatch(Library::required);
        }

        /**
         * What to do about the missing libraries, as one line (empty when nothing required is
         * missing).
         */
        public String advice() {
            Set<String> packages = new LinkedHashSet<>();
            missing.stream().filter(Library::required).forEach(l -> packages.add(l.pipPackage()));
            if (packages.isEmpty()) {
                return "";
            }
            return "missing "
                    + missing.stream().filter(Library::required).map(Library::soname).toList()
                    + ": install CUDA "
                    + CUDA_VERSION
                    + " and cuDNN "
                    + CUDNN_VERSION
                    + " (pip install "
                    + String.join(" ", packages)
                    + ", or the system packages of your distribution), or point "
                    + PATH_VARIABLE
                    + " at the folders that hold them";
        }
    }

    private CudaLibraries() {}

    /** Looks for the libraries in the default places of this machine. */
    public static Report find() {
        return find(searchPath(System.getenv(), Path.of(System.getProperty("user.home", "/"))));
    }

    /** Looks for the libraries in {@code folders}, the first hit of each winning. */
    public static Report find(List<Path> folders) {
        Map<String, Path> found = new LinkedHashMap<>();
        List<Library> missing = new ArrayList<>();
        for (Library lib : LIBRARIES) {
            Optional<Path> hit =
                    folders.stream()
                            .map(f -> f.resolve(lib.soname()))
                            .filter(Files::isRegularFile)
                            .findFirst();
            if (hit.isPresent()) {
                found.put(lib.soname(), hit.get());
            } else {
                missing.add(lib);
            }
        }
        return new Report(
                driverVersion(Path.of("/proc/driver/nvidia/version")), found, missing, folders);
    }

    /**
     * The folders to search, in order: {@value #PATH_VARIABLE}, {@code LD_LIBRARY_PATH}, pip's
     * {@code nvidia/*}/lib of the active virtualenv or conda environment and of the user's and the
     * system's Python, then the CUDA toolkit and the distribution's library folders.
     */
    static List<Path> searchPath(Map<String, String> env, Path home) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String var : List.of(PATH_VARIABLE, "LD_LIBRARY_PATH")) {
            String value = env.get(var);
            if (value != null) {
                for (String part : value.split(java.io.File.pathSeparator)) {
                    if (!part.isBlank()) {
                        dirs.add(Path.of(part));
                    }
                }
            }
        }
        List<Path> pythonRoots = new ArrayList<>();
        for (String var : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            if (env.get(var) != null) {
                pythonRoots.add(Path.of(env.get(var), "lib"));
            }
        }
        pythonRoots.add(home.resolve(".local/lib"));
        pythonRoots.add(Path.of("/usr/local/lib"));
        pythonRoots.add(Path.of("/usr/lib"));
        for (Path root : pythonRoots) {
            for (Path python : children(root, "python3*")) {
                for (String packages : List.of("site-packages", "dist-packages")) {
                    Path nvidia = python.resolve(packages).resolve("nvidia");
                    for (Library lib : LIBRARIES) {
                        Path lib64 = nvidia.resolve(lib.pipFolder()).resolve("lib");
                        if (Files.isDirectory(lib64)) {
                            dirs.add(lib64);
                        }
                    }
                }
            }
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        dirs.addAll(
                children(Path.of("/usr/local"), "cuda-12*").stream()
                        .map(p -> p.resolve("lib64"))
                        .toList());
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/lib/x86_64-linux-gnu"));
        return List.copyOf(dirs);
    }

    /**
     * Loads every library of {@code report} by absolute path, in order. A library that fails to
     * load is logged and skipped: TensorFlow then reports the GPU as unusable and runs on the CPU,
     * which is what it would do anyway.
     */
    static void preload(Report report) {
        for (var e : report.found().entrySet()) {
            try {
                System.load(e.getValue().toString());
                LOG.debug("Loaded {} from {}", e.getKey(), e.getValue());
            } catch (UnsatisfiedLinkError err) {
                LOG.warn("Could not load {} ({}): {}", e.getKey(), e.getValue(), err.getMessage());
            }
        }
    }

    /** The first line of the kernel driver's version file, if the NVIDIA driver is loaded. */
    static Optional<String> driverVersion(Path versionFile) {
        try {
            if (!Files.isReadable(versionFile)) {
                return Optional.empty();
            }
            return Files.readAllLines(versionFile).stream().findFirst().map(String::strip);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<Path> children(Path dir, String glob) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            s.forEach(out::add);
        } catch (IOException e) {
            LOG.debug("cannot list {}: {}", dir, e.toString());
        }
        out.sort(null);
        return out;
    }
}
