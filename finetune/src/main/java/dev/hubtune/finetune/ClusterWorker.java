package dev.hubtune.finetune;

import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.TensorFlowUnavailableException;
import java.util.Objects;
import org.tensorflow.internal.c_api.TF_Server;

/**
 * One task of a {@link Cluster}: TensorFlow's gRPC server ({@code TF_NewServer}), which runs the
 * operations a chief places on it. It listens on all interfaces at its address's port and has no
 * authentication (anyone who reaches the port can run operations as this process's user): private
 * networks only. TensorFlow cannot stop a started server: it serves until its process ends.
 */
public final class ClusterWorker {

    private final Cluster cluster;
    private final int task;
    private final TF_Server server;

    private ClusterWorker(Cluster cluster, int task, TF_Server server) {
        this.cluster = cluster;
        this.task = task;
        this.server = server;
    }

    /**
     * Starts task {@code task} of {@code cluster} in this process.
     *
     * @throws FinetuneException when TensorFlow cannot load or the server cannot start (e.g. its
     *     port is taken)
     */
    public static ClusterWorker start(Cluster cluster, int task) throws FinetuneException {
        Objects.requireNonNull(cluster);
        if (task < 0 || task >= cluster.size()) {
            throw new FinetuneException(
                    "--task must be in 0.."
                            + (cluster.size() - 1)
                            + " for a cluster of "
                            + cluster.size()
                            + ", got "
                            + task);
        }
        try {
            TensorFlowRuntime.load();
        } catch (TensorFlowUnavailableException e) {
            throw new FinetuneException(e.getMessage(), e);
        }
        try {
            return new ClusterWorker(
                    cluster, task, NativeGraphs.startServer(cluster.serverDef(task)));
        } catch (IllegalStateException e) {
            throw new FinetuneException(
                    "cannot start task "
                            + task
                            + " at "
                            + cluster.addresses().get(task)
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** The task's index in the cluster. */
    public int task() {
        return task;
    }

    /** The address it serves at. */
    public String address() {
        return cluster.addresses().get(task);
    }

    /** Blocks while the server runs (until the process ends). */
    public void join() throws FinetuneException {
        try {
            NativeGraphs.join(server);
        } catch (IllegalStateException e) {
            throw new FinetuneException("worker " + task + " stopped: " + e.getMessage(), e);
        }
    }
}
