package dev.hubtune.cli;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelRef;
import dev.hubtune.hub.PullListener;
import dev.hubtune.hub.cache.CacheMaintenance;
import dev.hubtune.hub.cache.RepoDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune verify [REF]}: re-hash cached blobs; remove and report corrupt ones. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description =
                "Re-hash cached files (of REF, or of every model); remove corrupt ones and say so; name"
                        + " files whose blob is gone (a dangling link). Exits 1 when any was corrupt"
                        + " or missing.")
final class VerifyCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "REF",
            description = "The model reference (default: all).")
    String ref;

    @Override
    public Integer call() throws IOException, HubException {
        Hub hub = common.hub(PullListener.NONE);
        Optional<RepoDir> repo = Optional.empty();
        if (ref != null) {
            ModelRef parsed = ModelRef.parse(ref);
            if (parsed instanceof ModelRef.Manifest || parsed instanceof ModelRef.Local) {
                throw new UserException(
                        "verify takes hf:, maven: or https:// references (or nothing for all)",
                        null);
            }
            repo = Optional.of(hub.repoFor(parsed));
        }
        CacheMaintenance maintenance = new CacheMaintenance(hub.cache());
        List<CacheMaintenance.Corruption> bad = maintenance.verify(repo);
        // After removing corrupt blobs: their links now dangle and are reported as missing too.
        List<CacheMaintenance.MissingFile> missing = maintenance.missing(repo);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            out.println(Json.GSON.toJson(java.util.Map.of("corrupt", bad, "missing", missing)));
        } else if (bad.isEmpty() && missing.isEmpty()) {
            out.println("all cached files are present and match their hashes");
        } else {
            for (CacheMaintenance.Corruption c : bad) {
                out.printf(
                        "removed corrupt %s (expected %s, was %s)%n",
                        c.blob(), c.expected(), c.actual());
            }
            for (CacheMaintenance.MissingFile m : missing) {
                out.printf(
                        "missing %s in %s snapshot %s (blob %s is gone)%n",
                        m.path(), m.folder(), m.commit(), m.blob().isEmpty() ? "?" : m.blob());
            }
            out.println("hubtune pull the affected models again to restore them");
        }
        return bad.isEmpty() && missing.isEmpty() ? Hubtune.EXIT_OK : Hubtune.EXIT_USER_ERROR;
    }
}
