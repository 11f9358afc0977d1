package dev.hubtune.cli;

import dev.hubtune.finetune.Cluster;
import dev.hubtune.finetune.ClusterWorker;
import dev.hubtune.finetune.FinetuneException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hubtune worker --cluster HOST:PORT,... --task N}: one task of a data-parallel cluster, a
 * TensorFlow gRPC server that runs what {@code hubtune finetune --cluster} places on it.
 */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = {
            "Serve as task N of a TensorFlow cluster for `hubtune finetune --cluster` (data-parallel"
                    + " fine-tuning): start one worker per HOST:PORT of the list, each with its"
                    + " --task, then run finetune with the same --cluster. It serves until stopped"
                    + " (Ctrl-C or kill).",
            "SECURITY: PRIVATE NETWORKS ONLY. TensorFlow's server listens on ALL interfaces at its"
                    + " port and has NO authentication and no encryption: anyone who can reach the"
                    + " port can run any TensorFlow operation (read and write files) as this user."
                    + " Firewall the ports to the cluster's hosts."
        })
final class WorkerCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Option(
            names = "--cluster",
            required = true,
            paramLabel = "HOST:PORT,...",
            description =
                    "Every task of the cluster, task 0 first (it holds the weights); the same list"
                            + " on every worker and on finetune.")
    String cluster;

    @Option(
            names = "--task",
            required = true,
            paramLabel = "N",
            description = "This worker's index in --cluster (0-based).")
    int task;

    @Override
    public Integer call() throws FinetuneException {
        Cluster parsed;
        try {
            parsed = Cluster.parse(cluster);
        } catch (IllegalArgumentException e) {
            throw new UserException("--cluster: " + e.getMessage());
        }
        ClusterWorker worker = ClusterWorker.start(parsed, task);
        spec.commandLine()
                .getErr()
                .println(
                        "hubtune worker: task "
                                + task
                                + " of "
                                + parsed.size()
                                + " serving on port "
                                + worker.address().substring(worker.address().lastIndexOf(':') + 1)
                                + " of every interface (pid "
                                + ProcessHandle.current().pid()
                                + "); no authentication: keep it on a private network");
        spec.commandLine().getErr().flush();
        worker.join();
        return 0;
    }
}
