package dev.hubtune.cli;

import dev.hubtune.hub.PullListener;
import dev.hubtune.hub.cache.CacheMaintenance;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hubtune gc}: delete blobs no snapshot uses. */
@Command(
        name = "gc",
        mixinStandardHelpOptions = true,
        description = "Delete cached files that no snapshot uses any more.")
final class GcCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Option(
            names = "--incomplete",
            description = "Also delete partial downloads (they could otherwise be resumed).")
    boolean incomplete;

    @Override
    public Integer call() throws IOException {
        long freed = new CacheMaintenance(common.hub(PullListener.NONE).cache()).gc(incomplete);
        spec.commandLine().getOut().printf("freed %s%n", DoctorCommand.humanSize(freed));
        return Hubtune.EXIT_OK;
    }
}
