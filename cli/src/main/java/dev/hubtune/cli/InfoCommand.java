package dev.hubtune.cli;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.hub.ModelManifest;
import dev.hubtune.hub.ModelRef;
import dev.hubtune.hub.PullListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune info REF}: what the cache (and the manifest) knows about a model; no network. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description =
                "Show a model's manifest and cached snapshot (path, commit, files with sizes and sha256). Never downloads.")
final class InfoCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(index = "0", paramLabel = "REF", description = "The model reference.")
    String ref;

    @Override
    public Integer call() throws IOException, HubException {
        ModelRef parsed = ModelRef.parse(ref);
        Hub hub = Hub.builder().optOffline(true).optListener(PullListener.NONE).build();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("ref", parsed.text());
        if (parsed instanceof ModelRef.Manifest m) {
            ModelManifest manifest =
                    ModelManifest.load(m.id(), getClass().getClassLoader())
                            .orElseThrow(
                                    () ->
                                            new UserException(
                                                    "no manifest named "
                                                            + m.id()
                                                            + "; see hubtune ls --manifests",
                                                    null));
            info.put("manifest", manifest);
        }
        Optional<ModelDir> dir;
        try {
            dir = Optional.of(hub.pull(parsed, dev.hubtune.hub.PullOptions.defaults()));
        } catch (dev.hubtune.hub.OfflineException notCached) {
            dir = Optional.empty();
            info.put("cached", false);
            info.put("missing", notCached.missing());
        }
        dir.ifPresent(
                d -> {
                    info.put("cached", true);
                    info.put("path", d.path());
                    info.put("commit", d.commit());
                    info.put("bytes", d.totalBytes());
                    info.put("files", d.files());
                });
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            out.println(Json.GSON.toJson(info));
            return Hubtune.EXIT_OK;
        }
        if (info.get("manifest") instanceof ModelManifest m) {
            out.printf(
                    "%s: %s%n  architecture %s, task %s, license %s%n  sources: %s%n",
                    m.id(),
                    m.description(),
                    m.architecture(),
                    m.task(),
                    m.license(),
                    m.sources().stream().map(ModelManifest.Source::ref).toList());
        }
        if (dir.isEmpty()) {
            out.println(
                    parsed.text() + " is not in the cache; hubtune pull " + ref + " downloads it.");
            return Hubtune.EXIT_OK;
        }
        ModelDir d = dir.get();
        out.printf(
                "path    %s%ncommit  %s%nsize    %s in %d files%n",
                d.path(), d.commit(), DoctorCommand.humanSize(d.totalBytes()), d.files().size());
        for (ModelDir.CachedFile f : d.files()) {
            out.printf(
                    "  %-50s %10s  sha256:%s%n",
                    f.path(), DoctorCommand.humanSize(f.size()), f.sha256());
        }
        return Hubtune.EXIT_OK;
    }
}
