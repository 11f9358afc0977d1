package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelManifest;
import dev.hubtune.hub.cache.CacheMaintenance;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hubtune ls}: cached models (or known manifests) with revisions and sizes. */
@Command(
        name = "ls",
        mixinStandardHelpOptions = true,
        description = "List cached models, their revisions and sizes.")
final class LsCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Option(names = "--manifests", description = "List the models hubtune knows by name instead.")
    boolean manifests;

    @Override
    public Integer call() throws IOException, HubException {
        PrintWriter out = spec.commandLine().getOut();
        if (manifests) {
            List<Map<String, String>> rows = new ArrayList<>();
            for (String id : ModelManifest.ids(getClass().getClassLoader())) {
                ModelManifest m = ModelManifest.load(id, getClass().getClassLoader()).orElseThrow();
                Map<String, String> row = new LinkedHashMap<>();
                row.put("id", id);
                row.put("architecture", m.architecture());
                row.put("task", m.task());
                row.put("source", m.sources().get(0).ref());
                row.put("description", m.description());
                rows.add(row);
            }
            if (common.json) {
                out.println(Json.GSON.toJson(rows));
            } else {
                rows.forEach(
                        r ->
                                out.printf(
                                        "%-20s %-5s %-19s %s%n",
                                        r.get("id"),
                                        r.get("architecture"),
                                        r.get("task"),
                                        r.get("description")));
            }
            return Hubtune.EXIT_OK;
        }
        var hub = common.hub(dev.hubtune.hub.PullListener.NONE);
        List<CacheMaintenance.RepoSummary> repos = new CacheMaintenance(hub.cache()).list();
        if (common.json) {
            out.println(Json.GSON.toJson(repos));
        } else if (repos.isEmpty()) {
            out.println(
                    "The cache "
                            + hub.cache().root()
                            + " is empty; hubtune pull REF adds a model.");
        } else {
            for (CacheMaintenance.RepoSummary r : repos) {
                out.printf(
                        "%-60s %10s  %s%n",
                        r.folder(),
                        DoctorCommand.humanSize(r.bytes()),
                        r.refs().isEmpty()
                                ? r.snapshots().size() + " snapshot(s)"
                                : String.join(" ", r.refs()));
            }
        }
        return Hubtune.EXIT_OK;
    }
}
