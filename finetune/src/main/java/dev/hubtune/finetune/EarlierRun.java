package dev.hubtune.finetune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * The files an earlier run left in an output directory, moved aside while a new run (started with
 * overwrite) replaces them: deleted once the new run has exported its model, put back if it fails.
 * Only the run's own files move — an output directory may hold the user's files too.
 */
final class EarlierRun {

    /** What a run writes into its output directory. */
    static final List<String> RUN_FILES =
            List.of(
                    "model",
                    "adapter",
                    "checkpoints",
                    "metrics.jsonl",
                    "report.png",
                    "report.html",
                    "run.json",
                    "tensorboard",
                    "profile.txt");

    private static final String PREFIX = ".earlier-run-";

    private final Path outputDir;
    private final Path aside;

    private EarlierRun(Path outputDir, Path aside) {
        this.outputDir = outputDir;
        this.aside = aside;
    }

    /** Moves the run files of {@code outputDir} into a hidden folder beside them. */
    static EarlierRun setAside(Path outputDir) throws IOException {
        Path aside = outputDir.resolve(PREFIX + UUID.randomUUID());
        Files.createDirectory(aside);
        for (String name : RUN_FILES) {
            Path file = outputDir.resolve(name);
            if (Files.exists(file)) {
                Files.move(file, aside.resolve(name));
            }
        }
        return new EarlierRun(outputDir, aside);
    }

    /** The new run succeeded: the earlier one's files go. */
    void discard() throws IOException {
        Checkpoints.deleteTree(aside);
    }

    /** The new run failed: its files go, the earlier run's come back. */
    void restore() throws IOException {
        for (String name : RUN_FILES) {
            Path kept = aside.resolve(name);
            if (Files.exists(kept)) {
                Checkpoints.deleteTree(outputDir.resolve(name));
                Files.move(kept, outputDir.resolve(name));
            }
        }
        Checkpoints.deleteTree(aside);
    }

    /**
     * Exports through {@code writer} into a fresh staging folder in {@code outputDir} (the writer
     * puts {@code model/}, and {@code adapter/} for LoRA, inside it), then moves each staged folder
     * in place of its counterpart, so an existing export is never removed before its replacement is
     * complete. Returns where the staged path the writer returned now is.
     */
    static Path replaceExport(Path outputDir, ModelWriter writer)
            throws IOException, dev.hubtune.models.ModelException {
        String id = UUID.randomUUID().toString();
        Path staging = Files.createDirectory(outputDir.resolve(".model-" + id));
        Path written;
        try {
            written = writer.write(staging);
        } catch (IOException | dev.hubtune.models.ModelException | RuntimeException e) {
            Checkpoints.deleteTree(staging);
            throw e;
        }
        Path old = Files.createDirectory(outputDir.resolve(".model-old-" + id));
        try (var staged = Files.newDirectoryStream(staging)) {
            for (Path entry : staged) {
                Path target = outputDir.resolve(entry.getFileName().toString());
                if (Files.exists(target)) {
                    Files.move(target, old.resolve(entry.getFileName().toString()));
                }
                Files.move(entry, target);
            }
        }
        Checkpoints.deleteTree(old);
        Checkpoints.deleteTree(staging);
        return outputDir.resolve(staging.relativize(written).toString());
    }

    /** Writes a task's export into a staging folder and returns its model directory. */
    @FunctionalInterface
    interface ModelWriter {
        Path write(Path staging) throws IOException, dev.hubtune.models.ModelException;
    }
}
