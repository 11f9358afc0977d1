package dev.hubtune.finetune;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * A TensorFlow cluster of workers, as {@code host:port} addresses: task {@code i} is the {@code
 * i}-th address, job {@code worker}. Task 0 holds the variables and runs the optimizer update;
 * every task runs one tower. TensorFlow's gRPC servers listen on all interfaces of their port and
 * have no authentication: anyone who reaches a port can run any operation as the worker's user, so
 * a cluster belongs on a private network only.
 *
 * @param addresses {@code host:port} of each task, in task order
 * @param timeout how long one step (or connecting) may take before the run stops with an error:
 *     gRPC waits for a lost worker to come back forever otherwise
 */
public record Cluster(List<String> addresses, Duration timeout) {

    /** TensorFlow's job name for the tasks. */
    public static final String JOB = "worker";

    /** How long a step may take by default (a lost worker is noticed after this). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    /** A cluster with the default timeout. */
    public Cluster(List<String> addresses) {
        this(addresses, DEFAULT_TIMEOUT);
    }

    /** Checks and copies the addresses. */
    public Cluster {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the step timeout must be positive, got " + timeout);
        }
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one HOST:PORT");
        }
        for (String a : addresses) {
            int colon = a.lastIndexOf(':');
            if (colon <= 0 || colon == a.length() - 1) {
                throw new IllegalArgumentException(
                        "cluster address '" + a + "' is not HOST:PORT (e.g. 10.0.0.5:2222)");
            }
            int port;
            try {
                port = Integer.parseInt(a.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "cluster address '" + a + "' has no numeric port (e.g. 10.0.0.5:2222)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(
                        "cluster address '" + a + "': port must be 1-65535");
            }
        }
        if (addresses.stream().distinct().count() != addresses.size()) {
            throw new IllegalArgumentException("cluster addresses repeat: " + addresses);
        }
    }

    /** Parses {@code HOST:PORT,HOST:PORT,...}. */
    public static Cluster parse(String spec) {
        List<String> out = new ArrayList<>();
        for (String part : spec.split(",", -1)) {
            out.add(part.trim());
        }
        return new Cluster(out);
    }

    /** This cluster with another step timeout. */
    public Cluster withTimeout(Duration stepTimeout) {
        return new Cluster(addresses, stepTimeout);
    }

    /** Number of tasks (towers). */
    public int size() {
        return addresses.size();
    }

    /** The session target of the chief: task 0's gRPC address. */
    public String target() {
        return "grpc://" + addresses.get(0);
    }

    /** The device of task {@code task}; TensorFlow picks its GPU when it has one. */
    public DeviceSpec device(int task) {
        return DeviceSpec.newBuilder().job(JOB).replica(0).task(task).build();
    }

    /** The server definition of task {@code task}, for {@code TF_NewServer}. */
    public ServerDef serverDef(int task) {
        if (task < 0 || task >= size()) {
            throw new IllegalArgumentException(
                    "task must be in 0.." + (size() - 1) + " for this cluster, got " + task);
        }
        JobDef.Builder job = JobDef.newBuilder().setName(JOB);
        for (int i = 0; i < size(); i++) {
            job.putTasks(i, addresses.get(i));
        }
        return ServerDef.newBuilder()
                .setCluster(ClusterDef.newBuilder().addJob(job))
                .setJobName(JOB)
                .setTaskIndex(task)
                .setProtocol("grpc")
                .build();
    }

    /**
     * A session on {@code graph} whose master is task 0 ({@link #target()}), with {@link
     * #timeout()} as its operation timeout.
     */
    public Session openSession(Graph graph, ConfigProto config) {
        return NativeGraphs.remoteSession(
                graph,
                target(),
                config.toBuilder().setOperationTimeoutInMs(timeout.toMillis()).build());
    }

    @Override
    public String toString() {
        return String.join(",", addresses);
    }
}
