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
            ClusterWorker w = ClusterWorker.start(Cluster.parse(args[1]), Integer.parseInt(args[2]));
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
        try {
            if (mode.equals("cluster")) {
                List<String> addresses = new ArrayList<>();
                for (int i = 0; i < towers; i++) {
                    addresses.add("127.0.0.1:" + freePort());
                }
                Cluster cluster = new Cluster(addresses);
                for (int i = 0; i < towers; i++) {
                    workers.add(worker(cluster, i));
                }
                b.optCluster(cluster);
            } else {
                b.optDevices(towers);
            }
            b.build().train();
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
        result.put("profile_head", profile.lines().limit(14).toList());
        System.out.println(new Gson().toJson(result));
    }

    /** The percentage of a phase in profile.txt's "by phase" table, 0 when absent. */
    static double share(String profile, String phase) {
        Matcher m =
                Pattern.compile("^\\s+" + Pattern.quote(phase) + "\\s+[0-9.]+ ms\\s+([0-9.]+)%", Pattern.MULTILINE)
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
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
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
