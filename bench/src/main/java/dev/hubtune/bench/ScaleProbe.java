package dev.hubtune.bench;

import com.google.gson.Gson;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.Cluster;
import dev.hubtune.finetune.ClusterWorker;
import dev.hubtune.finetune.TrainingListener;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * One data-parallel training measurement in its own JVM: {@code train MODEL DATA OUT BATCH LENGTH
 * WARMUP STEPS THREADS TOWERS MODE}, MODE {@code devices} (TOWERS devices of this process) or
 * {@code cluster} (TOWERS worker JVMs this probe starts on 127.0.0.1 — run it inside {@code unshare
 * -n}, TensorFlow's servers listen on every interface — and stops by PID). Prints one JSON object:
 * sequences per second over STEPS steps after WARMUP (timed between the loop's step callbacks), and
 * from the traced last warm-up step the share of op time in the gradient sum and the transfers
 * between devices or tasks, and in the copies of the weights to the towers. {@code worker CLUSTER
 * TASK} is one such worker.
 */
public final class ScaleProbe {

    private ScaleProbe() {}

    /** Runs one probe. */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("worker")) {
            Thread watchdog =
                    new Thread(
                            () -> {
                                try {
                                    while (System.in.read() >= 0) {
                                        // the probe holds our stdin open while it lives
                                    }
                                } catch (Exception ignored) {
                                    // closed
                                }
                                Runtime.getRuntime().halt(3);
                            });
            watchdog.setDaemon(true);
            watchdog.start();
            ClusterWorker w =
                    ClusterWorker.start(Cluster.parse(args[1]), Integer.parseInt(args[2]));
            System.out.println("serving " + w.address());
            System.out.flush();
            w.join();
            return;
        }
        Path model = Path.of(args[1]);
        Path data = Path.of(args[2]);
        Path out = Path.of(args[3]);
        int batch = Integer.parseInt(args[4]);
        int length = Integer.parseInt(args[5]);
        int warmup = Integer.parseInt(args[6]);
        int steps = Integer.parseInt(args[7]);
        int threads = Integer.parseInt(args[8]);
        int towers = Integer.parseInt(args[9]);
        String mode = args[10];
        long[] at = new long[warmup + steps + 1];
        TrainingListener timer =
                new TrainingListener() {
                    @Override
                    public void step(int step, int total, double loss, double lr, double elapsed) {
                        at[step] = System.nanoTime();
                    }
                };
        ClassifierTrainer.Builder b =
                ClassifierTrainer.builder()
                        .setModelDir(model)
                        .setTrainFile(data)
                        .setOutputDir(out)
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .optMaxLength(length)
                        .optOverwrite(true)
                        .optBatchSize(batch)
                        .optMaxSteps(warmup + steps)
                        .optLearningRate(5e-5)
                        .optValidationFraction(0.05)
                        .optProfileStep(warmup)
                        .optThreads(threads)
                        .optListener(timer);
        List<Process> workers = new ArrayList<>();
        double comms = 0;
        Cluster cluster = null;
        try {
            if (mode.equals("cluster")) {
                List<String> addresses = new ArrayList<>();
                for (int i = 0; i < towers; i++) {
                    addresses.add("127.0.0.1:" + freePort());
                }
                cluster = new Cluster(addresses);
                for (int i = 0; i < towers; i++) {
                    workers.add(worker(cluster, i));
                }
                b.optCluster(cluster);
            } else {
                b.optDevices(towers);
            }
            b.build().train();
            if (towers > 1) {
                comms = communication(model, towers, mode, cluster, threads);
            }
        } finally {
            for (Process p : workers) {
                p.destroyForcibly(); // by PID: TensorFlow cannot stop a started server
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        double seconds = (at[warmup + steps] - at[warmup]) / 1e9;
        String profile = Files.readString(out.resolve("profile.txt"));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sequences_per_s", steps * (double) batch / seconds);
        result.put("step_ms", seconds * 1e3 / steps);
        result.put("allreduce_share", share(profile, "all-reduce and transfers"));
        result.put("broadcast_share", share(profile, "weights to towers"));
        result.put("communication_ms", comms);
        result.put("communication_share", comms / (seconds * 1e3 / steps));
        result.put("profile_head", profile.lines().limit(20).toList());
        System.out.println(new Gson().toJson(result));
    }

    /**
     * The communication of one data-parallel step alone, in ms (median of 5 after 2 warm-ups):
     * every weight of the model (its shapes, zeros) copied from the first device to each other
     * tower's and a same-sized gradient back, summed where the weights are — what the towers' step
     * adds to one device's, with no model compute.
     */
    static double communication(Path model, int towers, String mode, Cluster cluster, int threads)
            throws Exception {
        Map<String, dev.hubtune.models.weights.WeightTensor> weights =
                dev.hubtune.models.weights.Safetensors.read(model.resolve("model.safetensors"));
        try (Graph g = new Graph()) {
            Ops root = Ops.create(g);
            DeviceSpec first = device(mode, 0);
            Ops t0 = root.withDevice(first);
            List<Operand<TFloat32>> sums = new ArrayList<>();
            List<Op> inits = new ArrayList<>();
            for (var e : weights.entrySet()) {
                long[] shape = e.getValue().shape();
                Variable<TFloat32> v = t0.variable(Shape.of(shape), TFloat32.class);
                inits.add(t0.assign(v, t0.zeros(t0.constant(shape), TFloat32.class)));
                List<Operand<TFloat32>> parts = new ArrayList<>();
                parts.add(t0.identity(v));
                for (int i = 1; i < towers; i++) {
                    Ops ti = root.withDevice(device(mode, i));
                    // the tower reads the weight and sends a gradient of its shape back
                    parts.add(ti.math.mul(ti.identity(v), ti.constant(0.5f)));
                }
                sums.add(t0.reduceSum(t0.math.addN(parts), t0.constant(new int[] {0})));
            }
            Operand<TFloat32> all =
                    t0.math.addN(
                            sums.stream()
                                    .map(
                                            x ->
                                                    (Operand<TFloat32>)
                                                            t0.reduceSum(
                                                                    x,
                                                                    t0.range(
                                                                            t0.constant(0),
                                                                            t0.rank(x),
                                                                            t0.constant(1))))
                                    .toList());
            Op init = t0.withControlDependencies(inits).noOp();
            ConfigProto config =
                    new dev.hubtune.models.runtime.SessionOptions(threads, false, false).toConfig();
            if (cluster == null) {
                config = config.toBuilder().putDeviceCount("CPU", towers).build();
            }
            try (Session s =
                    cluster == null ? new Session(g, config) : cluster.openSession(g, config)) {
                s.runner().addTarget(init).run().close();
                List<Double> ms = new ArrayList<>();
                for (int r = 0; r < 7; r++) {
                    long t = System.nanoTime();
                    s.runner().fetch(all).run().close();
                    if (r >= 2) {
                        ms.add((System.nanoTime() - t) / 1e6);
                    }
                }
                java.util.Collections.sort(ms);
                return ms.get(ms.size() / 2);
            }
        }
    }

    private static DeviceSpec device(String mode, int i) {
        return mode.equals("cluster")
                ? DeviceSpec.newBuilder()
                        .job(Cluster.JOB)
                        .replica(0)
                        .task(i)
                        .deviceType(DeviceSpec.DeviceType.CPU)
                        .deviceIndex(0)
                        .build()
                : DeviceSpec.newBuilder()
                        .deviceType(DeviceSpec.DeviceType.CPU)
                        .deviceIndex(i)
                        .build();
    }

    /** The percentage of a phase in profile.txt's "by phase" table, 0 when absent. */
    static double share(String profile, String phase) {
        Matcher m =
                Pattern.compile(
                                "^\\s+" + Pattern.quote(phase) + "\\s+[0-9.]+ ms\\s+([0-9.]+)%",
                                Pattern.MULTILINE)
                        .matcher(profile);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static Process worker(Cluster cluster, int task) throws Exception {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx2g",
                                "-cp",
                                System.getProperty("java.class.path"),
                                ScaleProbe.class.getName(),
                                "worker",
                                cluster.toString(),
                                String.valueOf(task)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (line == null || !line.startsWith("serving")) {
            p.destroyForcibly();
            throw new IllegalStateException("worker " + task + " did not start: " + line);
        }
        return p;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
