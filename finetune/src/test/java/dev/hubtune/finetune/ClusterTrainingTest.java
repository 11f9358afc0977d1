package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.weights.WeightTensor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data parallelism across processes: two TensorFlow workers (separate JVMs) train as one device
 * does, and a run that loses a worker resumes on a restarted cluster to the weights of an
 * uninterrupted one. TensorFlow's gRPC servers listen on every interface without authentication, so
 * every process here runs inside a private network namespace ({@code unshare -n}) whose only
 * interface is loopback; each process started is stopped by its PID.
 */
@Tag("slow")
class ClusterTrainingTest {

    private static final int STEPS = 8;
    private static final int KILL_AT = 5;

    static TrainingReport<ClassificationMetrics> train(
            Path root, Path out, Cluster cluster, int steps, boolean resume, TrainingListener l)
            throws FinetuneException {
        ClassifierTrainer.Builder b =
                ClassifierTrainer.builder()
                        .setModelDir(root.resolve("bert/tiny-bert"))
                        .setTrainFile(root.resolve("train.csv"))
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(out)
                        .optMaxSteps(steps)
                        .optBatchSize(16)
                        .optLearningRate(1e-3)
                        .optWarmupRatio(0)
                        .optMaxLength(32)
                        .optDropout(0)
                        .optSeed(11)
                        .optThreads(1)
                        .optCheckpointEverySteps(4)
                        .optMetric("loss")
                        .optResume(resume);
        if (cluster != null) {
            b.optCluster(cluster);
        }
        if (l != null) {
            b.optListener(l);
        }
        return b.build().train();
    }

    /** Whether this user can make a network namespace and bring its loopback up. */
    static String privateNetworkUnavailable() {
        try {
            Process p =
                    new ProcessBuilder("unshare", "-n", "sh", "-c", "ip link set lo up")
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unshare -n did not finish";
            }
            return p.exitValue() == 0 ? null : "unshare -n failed: " + out.trim();
        } catch (Exception e) {
            return "unshare -n cannot run: " + e;
        }
    }

    @Test
    void twoWorkersEqualOneDeviceAndResumeAfterAWorkerIsKilled(@TempDir Path dir) throws Exception {
        String why = privateNetworkUnavailable();
        Assumptions.assumeTrue(
                why == null,
                "no private network namespace ("
                        + why
                        + "); TensorFlow's servers would listen on reachable interfaces");
        ClassifierTrainerTest.tinyModel(dir.resolve("bert"));
        ClassifierTrainerTest.syntheticCsv(dir.resolve("train.csv"), 300, 9);
        Path out = Files.createDirectories(dir.resolve("cluster"));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("unshare", "-n", "sh", "-c"));
        // Inside the namespace: bring loopback up, then become the harness JVM.
        command.add("ip link set lo up && exec \"$0\" \"$@\"");
        command.addAll(childJava(java));
        command.addAll(List.of(ClusterTrainingTest.class.getName(), "harness", dir.toString()));
        Process harness = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("harness")) {
                    lines.add(line);
                }
            }
        } finally {
            if (!harness.waitFor(240, TimeUnit.SECONDS)) {
                harness.destroyForcibly(); // its workers end when its pipes close
            }
        }
        assertEquals(0, harness.exitValue(), "harness: " + lines);
        assertTrue(lines.contains("harness: all workers stopped"), lines.toString());
        assertTrue(
                lines.stream().anyMatch(l -> l.startsWith("harness: killed run failed: step")),
                lines.toString());

        // Two workers, each on half of every batch, equal one device on the whole batch.
        Map<String, WeightTensor> one =
                DataParallelTest.weights(train(dir, dir.resolve("one"), null, 3, false, null));
        Map<String, WeightTensor> two =
                dev.hubtune.models.weights.Safetensors.read(
                        out.resolve("three/model/model.safetensors"));
        double diff = DataParallelTest.maxDiff(one, two);
        assertTrue(diff < 1e-6, "2 workers vs 1 device after 3 steps: max |diff| " + diff);

        // Killed after step 5, resumed from the step-4 checkpoint on a restarted cluster.
        Map<String, WeightTensor> straight =
                dev.hubtune.models.weights.Safetensors.read(
                        out.resolve("straight/model/model.safetensors"));
        Map<String, WeightTensor> resumed =
                dev.hubtune.models.weights.Safetensors.read(
                        out.resolve("killed/model/model.safetensors"));
        double resumeDiff = DataParallelTest.maxDiff(straight, resumed);
        System.out.println(
                "2 workers vs 1 device: "
                        + diff
                        + "; resumed vs uninterrupted: "
                        + resumeDiff
                        + "\n"
                        + String.join("\n", lines));
        assertTrue(resumeDiff < 1e-6, "resumed vs uninterrupted: max |diff| " + resumeDiff);
        assertTrue(
                lines.stream().anyMatch(l -> l.startsWith("harness: resumed from step 4")),
                lines.toString());
    }

    private static List<String> childJava(String java) {
        return List.of(
                java,
                "-Dhubtune.home=" + System.getProperty("hubtune.home", ""),
                "-Dhubtune.natives=" + System.getProperty("hubtune.natives", ""),
                "-cp",
                System.getProperty("java.class.path"));
    }

    /**
     * Child processes: {@code harness ROOT} (inside the namespace: starts the workers, trains,
     * kills, resumes, stops them) and {@code worker CLUSTER TASK}. Both end when their parent's
     * pipe closes, so nothing outlives the test.
     */
    public static void main(String[] args) throws Exception {
        Thread watchdog =
                new Thread(
                        () -> {
                            try {
                                while (System.in.read() >= 0) {
                                    // the parent holds our stdin open while it lives
                                }
                            } catch (Exception ignored) {
                                // treat as closed
                            }
                            Runtime.getRuntime().halt(3);
                        });
        watchdog.setDaemon(true);
        watchdog.start();
        if (args[0].equals("worker")) {
            ClusterWorker w =
                    ClusterWorker.start(Cluster.parse(args[1]), Integer.parseInt(args[2]));
            System.out.println("serving " + w.address());
            System.out.flush();
            w.join();
            return;
        }
        harness(Path.of(args[1]));
    }

    private static void harness(Path root) throws Exception {
        Path out = root.resolve("cluster");
        Cluster cluster =
                new Cluster(
                        List.of("127.0.0.1:" + freePort(), "127.0.0.1:" + freePort()),
                        java.time.Duration.ofSeconds(10));
        List<Process> workers = startWorkers(cluster);
        try {
            train(root, out.resolve("three"), cluster, 3, false, null);
            say("3 steps done");
            train(root, out.resolve("straight"), cluster, STEPS, false, null);
            say("uninterrupted run done");
            Process victim = workers.get(1);
            long[] killedAt = new long[1];
            try {
                train(
                        root,
                        out.resolve("killed"),
                        cluster,
                        STEPS,
                        false,
                        new TrainingListener() {
                            @Override
                            public void step(
                                    int step, int total, double loss, double lr, double elapsed) {
                                if (step == KILL_AT) {
                                    killedAt[0] = System.nanoTime();
                                    victim.destroyForcibly(); // SIGKILL to worker 1's PID
                                    try {
                                        victim.waitFor();
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    say("killed worker 1 (pid " + victim.pid() + ")");
                                }
                            }
                        });
                say("killed run finished?!");
            } catch (FinetuneException e) {
                say("killed run failed: " + e.getMessage().replace('\n', ' '));
                say(
                        "failure noticed "
                                + (System.nanoTime() - killedAt[0]) / 1_000_000
                                + " ms after the kill");
            }
            stop(workers);
            workers = startWorkers(cluster);
            TrainingReport<ClassificationMetrics> resumed =
                    train(root, out.resolve("killed"), cluster, STEPS, true, null);
            say("resumed from step " + resumed.resumedFromStep());
        } finally {
            stop(workers);
            say("all workers stopped");
        }
        System.exit(0);
    }

    private static List<Process> startWorkers(Cluster cluster) throws Exception {
        List<Process> workers = new ArrayList<>();
        for (int task = 0; task < cluster.size(); task++) {
            List<String> cmd =
                    new ArrayList<>(
                            childJava(
                                    Path.of(System.getProperty("java.home"), "bin", "java")
                                            .toString()));
            cmd.addAll(
                    List.of(
                            ClusterTrainingTest.class.getName(),
                            "worker",
                            cluster.toString(),
                            String.valueOf(task)));
            Process p =
                    new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            workers.add(p);
            BufferedReader r =
                    new BufferedReader(
                            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (line == null || !line.startsWith("serving")) {
                throw new IllegalStateException("worker " + task + " did not start: " + line);
            }
            say("worker " + task + " pid " + p.pid() + " " + line);
        }
        return workers;
    }

    private static void stop(List<Process> workers) throws InterruptedException {
        for (Process p : workers) {
            if (p.isAlive()) {
                p.destroyForcibly(); // by PID: TF_ServerStop cannot stop a started server
                p.waitFor(30, TimeUnit.SECONDS);
                say("stopped worker pid " + p.pid());
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void say(String s) {
        System.out.println("harness: " + s);
        System.out.flush();
    }
}
