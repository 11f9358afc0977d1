package dev.hubtune.bench;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.Hub;
import dev.hubtune.models.apps.ModelExports;
import dev.hubtune.models.runtime.RuntimeInfo;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.serving.ClassificationTranslatorFactory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one-command GPU check ({@code tools/gpu-check}): on a machine with an NVIDIA GPU, shows where
 * the training graph's ops run, trains all-MiniLM-L6-v2 for a few steps plain, with {@code
 * --mixed-precision} and with {@code --xla}, serves the exported SavedModel through DJL on the GPU,
 * and prints sequences/s for each. Without a visible GPU it says why and exits 0 (or, with {@code
 * --allow-cpu}, runs the same checks on the CPU, which is how CI keeps it working).
 *
 * <p>{@code GpuCheck [--allow-cpu] [--steps N] [WORK_DIR]}; exit 0 when every check passed, 1 when
 * one failed.
 */
public final class GpuCheck {

    private static final String[] TEXTS = {
        "I was charged twice for my subscription this month.",
        "The app crashes whenever I open the reports page.",
        "Where is my package? Tracking has not changed for a week."
    };

    private GpuCheck() {}

    /** Runs the check. */
    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    /** Runs the check, printing to {@code out}; returns the exit code. */
    static int run(String[] args, PrintStream out) throws Exception {
        boolean allowCpu = false;
        int steps = 12;
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--allow-cpu" -> allowCpu = true;
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                default -> work = Path.of(args[i]);
            }
        }
        if (work == null) {
            work = Files.createTempDirectory("hubtune-gpu-check");
        }
        RuntimeInfo tf = TensorFlowRuntime.load();
        out.printf(
                "TensorFlow %s, natives %s, devices %s%n",
                tf.tensorflowVersion(), tf.nativesClassifier(), tf.devices());
        tf.cuda()
                .ifPresent(
                        c -> {
                            out.println("NVIDIA driver: " + c.driver().orElse("none loaded"));
                            c.found().forEach((k, v) -> out.println("  found " + k + " " + v));
                            if (!c.complete()) {
                                out.println("  " + c.advice());
                            }
                        });
        if (!tf.hasGpu()) {
            String why =
                    !tf.nativesClassifier().endsWith("-gpu")
                            ? "these are the CPU natives: build with -Pgpu (tools/gpu-check does)"
                            : tf.cuda().map(c -> c.complete() ? "" : c.advice()).orElse("")
                                    + " (TensorFlow sees no GPU; check nvidia-smi and the"
                                    + " driver's CUDA version, 12.5 or newer)";
            if (!allowCpu) {
                out.println("skipped: no GPU visible to TensorFlow — " + why);
                return 0;
            }
            out.println("no GPU (" + why + "): running the checks on the CPU (--allow-cpu)");
        }
        String device = tf.hasGpu() ? "GPU" : "CPU";
        Path model = Hub.builder().build().pull("all-minilm-l6-v2").path();
        Path data = tickets(work.resolve("tickets.csv"));
        List<String> failures = new ArrayList<>();

        // 1. Placement: the traced step says which device ran the ops.
        Path placed = work.resolve("placement");
        train(model, data, placed, steps, false, false, 2);
        String profile = Files.readString(placed.resolve("profile.txt"));
        double share = deviceShare(profile, device);
        out.printf(
                Locale.ROOT,
                "placement: %.0f%% of the traced step's op time on %s%n",
                share,
                device);
        if (share < 50) {
            failures.add("most op time is not on the " + device + ":\n" + profile);
        }

        // 2. Training steps: plain, mixed precision, XLA.
        for (String variant : new String[] {"plain", "mixed-precision", "xla"}) {
            TrainingReport<ClassificationMetrics> report =
                    train(
                            model,
                            data,
                            work.resolve("train-" + variant),
                            steps,
                            variant.equals("mixed-precision"),
                            variant.equals("xla"),
                            0);
            double loss = report.evaluations().get(report.evaluations().size() - 1).trainLoss();
            out.printf(
                    Locale.ROOT,
                    "train %-16s %6.1f sequences/s, %d steps, last train loss %.4f%n",
                    variant,
                    report.examplesPerSecond(),
                    report.steps(),
                    loss);
            if (!Double.isFinite(loss)) {
                failures.add(variant + ": loss " + loss);
            }
        }

        // 3. Serving: the SavedModel through DJL on the device.
        Path saved = work.resolve("savedmodel");
        ModelExports.savedModel(work.resolve("train-plain/model"), saved);
        Criteria<String, Classifications> criteria =
                Criteria.builder()
                        .setTypes(String.class, Classifications.class)
                        .optEngine("TensorFlow")
                        .optDevice(tf.hasGpu() ? Device.gpu() : Device.cpu())
                        .optModelPath(saved)
                        .optTranslatorFactory(new ClassificationTranslatorFactory())
                        .build();
        try (ZooModel<String, Classifications> served = criteria.loadModel();
                Predictor<String, Classifications> p = served.newPredictor()) {
            p.predict(TEXTS[0]); // warm-up
            int n = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < 2_000_000_000L) {
                p.predict(TEXTS[n++ % TEXTS.length]);
            }
            double perSecond = n / ((System.nanoTime() - start) / 1e9);
            out.printf(
                    Locale.ROOT,
                    "serve through DJL on %s: %.1f sequences/s (batch 1); \"%s\" -> %s%n",
                    device,
                    perSecond,
                    TEXTS[0],
                    p.predict(TEXTS[0]).best().getClassName());
        }
        if (failures.isEmpty()) {
            out.println("GPU check: all passed on " + device);
            return 0;
        }
        failures.forEach(f -> out.println("FAILED: " + f));
        return 1;
    }

    private static TrainingReport<ClassificationMetrics> train(
            Path model,
            Path data,
            Path out,
            int steps,
            boolean mixedPrecision,
            boolean xla,
            int profileStep)
            throws Exception {
        return ClassifierTrainer.builder()
                .setModelDir(model)
                .setTrainFile(data)
                .setTextColumn("text")
                .setLabelColumn("label")
                .setOutputDir(out)
                .optOverwrite(true)
                .optMaxSteps(steps)
                .optBatchSize(16)
                .optMaxLength(64)
                .optLearningRate(1e-4)
                .optMixedPrecision(mixedPrecision)
                .optXla(xla)
                .optProfileStep(profileStep)
                .build()
                .train();
    }

    /** The share (0–100) of op time the profile's "by device" table gives {@code device}. */
    static double deviceShare(String profile, String device) {
        int at = profile.indexOf("by device:");
        if (at < 0) {
            return 0;
        }
        String table =
                profile.substring(
                        at,
                        profile.indexOf("\n\n", at + 1) < 0
                                ? profile.length()
                                : profile.indexOf("\n\n", at + 1));
        Matcher m = Pattern.compile("(?m)^\\s+(\\S+)\\s+[\\d.]+ ms\\s+([\\d.]+)%").matcher(table);
        double share = 0;
        while (m.find()) {
            if (m.group(1).startsWith(device)) {
                share += Double.parseDouble(m.group(2));
            }
        }
        return share;
    }

    /** The quickstart's support tickets, copied out of the CLI's resources. */
    private static Path tickets(Path file) throws Exception {
        String csv = "cli/src/main/resources/quickstart/support-tickets.csv";
        Path source = Path.of(csv).toAbsolutePath();
        if (!Files.isRegularFile(source)) {
            source = Path.of("..").resolve(csv).toAbsolutePath().normalize(); // from a module
        }
        if (!Files.isRegularFile(source)) {
            throw new IllegalStateException(
                    "run from the repository root (tools/gpu-check does): "
                            + source
                            + " is missing");
        }
        Files.createDirectories(file.getParent());
        return Files.copy(source, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
