package dev.hubtune.cli;

import com.google.gson.GsonBuilder;
import dev.hubtune.hub.HubSettings;
import dev.hubtune.hub.HubtuneHome;
import dev.hubtune.models.runtime.CudaLibraries;
import dev.hubtune.models.runtime.Device;
import dev.hubtune.models.runtime.RuntimeInfo;
import dev.hubtune.models.runtime.Stack;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.TensorFlowUnavailableException;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.TokenizerRuntime;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hubtune doctor}: what hubtune runs on, and whether TensorFlow loads. */
@Command(
        name = "doctor",
        description = {
            "Report Java, OS, glibc, DJL, TensorFlow and tokenizers versions, the devices TensorFlow"
                    + " sees, the CUDA and cuDNN libraries found or missing for the GPU natives,"
                    + " the hubtune home and its size, offline mode, proxies and whether a Hugging"
                    + " Face token is configured (never the token itself).",
            "Exits 1 when TensorFlow cannot load."
        },
        mixinStandardHelpOptions = true)
final class DoctorCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        HubSettings settings = HubSettings.fromEnvironment();
        HubtuneHome home = settings.home();
        Map<String, Object> report = new LinkedHashMap<>();
        Runtime rt = Runtime.getRuntime();
        report.put("hubtune", VersionProvider.hubtuneVersion());
        report.put(
                "java",
                System.getProperty("java.version")
                        + " ("
                        + System.getProperty("java.vendor")
                        + ")");
        report.put(
                "os",
                System.getProperty("os.name")
                        + " "
                        + System.getProperty("os.version")
                        + " "
                        + System.getProperty("os.arch")
                        + ", "
                        + rt.availableProcessors()
                        + " cores, max heap "
                        + (rt.maxMemory() >> 20)
                        + " MB");

        String problem = null;
        try {
            RuntimeInfo tf = TensorFlowRuntime.load(home);
            report.put("djl", tf.djlVersion());
            report.put(
                    "tensorflow",
                    tf.tensorflowVersion()
                            + " ("
                            + (tf.hasGpu() ? "GPU" : "CPU")
                            + ", natives "
                            + tf.nativesClassifier()
                            + ", loaded in "
                            + tf.loadMillis()
                            + " ms)");
            report.put("natives", tf.nativesDir().toString());
            report.put("glibc", tf.glibc() + " (TensorFlow needs " + Stack.MINIMUM_GLIBC + "+)");
            report.put("devices", tf.devices().stream().map(DoctorCommand::describe).toList());
            report.put("gpu", gpu(tf));
        } catch (TensorFlowUnavailableException e) {
            report.put("tensorflow", "NOT AVAILABLE: " + e.getMessage());
            report.put(
                    "glibc",
                    TensorFlowRuntime.glibcVersion().orElse("unknown")
                            + " (TensorFlow needs "
                            + Stack.MINIMUM_GLIBC
                            + "+)");
            problem = e.getMessage();
        }
        try {
            report.put("tokenizers", "DJL HuggingFace tokenizers " + TokenizerRuntime.load(home));
        } catch (TokenizerException e) {
            report.put("tokenizers", "NOT AVAILABLE: " + e.getMessage());
        }
        report.put(
                "home",
                home.root()
                        + " (from "
                        + home.source()
                        + ", "
                        + humanSize(sizeOf(home.root()))
                        + ")");
        report.put("offline", settings.offline() ? "yes" : "no");
        report.put("hf_endpoint", settings.endpoint());
        report.put(
                "hf_token",
                settings.tokenSource()
                        .map(s -> "configured (from " + s + ")")
                        .orElse("not configured"));
        report.put("proxies", settings.proxies().isEmpty() ? List.of("none") : settings.proxies());
        report.put(
                "http",
                List.of(
                        settings.httpPolicy(),
                        "timeout "
                                + settings.httpTimeout().toSeconds()
                                + " s (HUBTUNE_HTTP_TIMEOUT), minimum speed "
                                + (settings.httpMinBytesPerSecond() == 0
                                        ? "off"
                                        : settings.httpMinBytesPerSecond() + " B/s")
                                + " (HUBTUNE_HTTP_MIN_SPEED)"));
        report.put("maven", settings.mavenRepository());
        report.put("pypi", settings.pypiIndex());

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            report.put("ok", problem == null);
            out.println(
                    new GsonBuilder()
                            .setPrettyPrinting()
                            .disableHtmlEscaping()
                            .create()
                            .toJson(report));
        } else {
            for (var e : report.entrySet()) {
                Object value = e.getValue();
                List<?> lines = value instanceof List<?> l ? l : List.of(value);
                String label = e.getKey();
                for (Object line : lines) {
                    out.printf("%-12s %s%n", label, line);
                    label = "";
                }
            }
        }
        if (problem != null) {
            spec.commandLine().getErr().println("hubtune: TensorFlow cannot load: " + problem);
            return Hubtune.EXIT_USER_ERROR;
        }
        return Hubtune.EXIT_OK;
    }

    /**
     * What stands between this machine and training on its GPU: the natives in use, the NVIDIA
     * driver, and the CUDA libraries TensorFlow found or lacks.
     */
    static List<String> gpu(RuntimeInfo tf) {
        List<String> lines = new java.util.ArrayList<>();
        if (tf.cuda().isEmpty()) {
            lines.add(
                    CudaLibraries.find().driver().isPresent()
                            ? "an NVIDIA driver is loaded, but these are the CPU natives: build"
                                    + " with -Pgpu (README: GPUs)"
                            : "none (CPU natives " + tf.nativesClassifier() + ")");
            return lines;
        }
        CudaLibraries.Report cuda = tf.cuda().get();
        lines.add(
                "natives "
                        + tf.nativesClassifier()
                        + " (CUDA "
                        + CudaLibraries.CUDA_VERSION
                        + ", cuDNN "
                        + CudaLibraries.CUDNN_VERSION
                        + "); driver: "
                        + cuda.driver().orElse("none loaded (no /proc/driver/nvidia/version)"));
        cuda.found()
                .forEach((name, path) -> lines.add("found " + name + " in " + path.getParent()));
        if (!cuda.complete()) {
            lines.add(cuda.advice());
        } else if (!tf.hasGpu()) {
            lines.add(
                    "all CUDA libraries found, but TensorFlow sees no GPU: check the driver"
                            + " (nvidia-smi) and that it supports CUDA "
                            + CudaLibraries.CUDA_VERSION);
        }
        return lines;
    }

    private static String describe(Device d) {
        return d.name()
                + " ("
                + d.type()
                + (d.memoryBytes() > 0 ? ", " + humanSize(d.memoryBytes()) : "")
                + ")";
    }

    static long sizeOf(Path root) {
        if (!Files.exists(root)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(
                            p -> {
                                try {
                                    return Files.size(p);
                                } catch (IOException e) {
                                    return 0; // removed while we walked
                                }
                            })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[i]);
    }
}
