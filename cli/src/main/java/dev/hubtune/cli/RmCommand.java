package dev.hubtune.cli;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelManifest;
import dev.hubtune.hub.ModelRef;
import dev.hubtune.hub.PullListener;
import dev.hubtune.hub.cache.CacheMaintenance;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune rm REF}: remove a model (all its revisions) from the cache. */
@Command(
        name = "rm",
        mixinStandardHelpOptions = true,
        description = "Remove a model, with all its revisions, from the cache.")
final class RmCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(index = "0", paramLabel = "REF", description = "The model reference.")
    String ref;

    @Override
    public Integer call() throws IOException, HubException {
        Hub hub = common.hub(PullListener.NONE);
        ModelRef parsed = ModelRef.parse(ref);
        List<ModelRef> targets = new ArrayList<>();
        if (parsed instanceof ModelRef.Manifest m) {
            ModelManifest manifest =
                    ModelManifest.load(m.id(), getClass().getClassLoader())
                            .orElseThrow(
                                    () -> new UserException("no manifest named " + m.id(), null));
            for (ModelManifest.Source s : manifest.sources()) {
                targets.add(ModelRef.parse(s.ref()));
            }
        } else if (parsed instanceof ModelRef.Local) {
            throw new UserException(
                    ref + " is your own directory, not part of the cache; hubtune never deletes it",
                    null);
        } else {
            targets.add(parsed);
        }
        CacheMaintenance maintenance = new CacheMaintenance(hub.cache());
        long freed = 0;
        boolean found = false;
        for (ModelRef t : targets) {
            var repo = hub.repoFor(t);
            if (java.nio.file.Files.exists(repo.dir())) {
                found = true;
                freed += maintenance.remove(repo);
            }
        }
        if (!found) {
            throw new UserException(
                    parsed.text()
                            + " is not in the cache, so nothing was removed; `hubtune ls` lists"
                            + " the cached models");
        }
        spec.commandLine()
                .getOut()
                .printf("removed %s (%s freed)%n", parsed.text(), DoctorCommand.humanSize(freed));
        return Hubtune.EXIT_OK;
    }
}
