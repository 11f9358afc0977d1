package dev.hubtune.finetune;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import dev.hubtune.hub.cache.FileTrees;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Training checkpoints under {@code <run>/checkpoints/}: {@code step-NNNNNNNN/} holds every
 * variable (weights and optimizer slots, float32 safetensors) and {@code state.json} (step, data
 * position, evaluations, settings fingerprint). Each is written into a temporary folder, flushed to
 * disk, and renamed into place, so a checkpoint is complete or absent — a crash or a full disk
 * while writing leaves the previous one intact. The last {@code keep} are kept; {@code best/} holds
 * the best model weights.
 */
final class Checkpoints {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /**
     * What a run needs to continue exactly where it stopped.
     *
     * @param step optimizer steps done
     * @param epoch the epoch of the next batch (1-based)
     * @param batchInEpoch index of the next batch within that epoch
     * @param fingerprint data and settings the run started with
     * @param metricsLines lines of metrics.jsonl written so far
     * @param sinceBest evaluations since the best one (early stopping)
     * @param evaluations every evaluation so far
     * @param best index of the best evaluation, or -1
     * @param trainLossSum training losses summed since the last evaluation
     * @param trainLossCount how many losses that sum holds
     * @param logLossSum training losses summed since the last logged training point
     * @param logLossCount how many losses that sum holds
     * @param <M> the task's metrics
     */
    record State<M extends EvaluationMetrics>(
            int step,
            int epoch,
            int batchInEpoch,
            String fingerprint,
            int metricsLines,
            int sinceBest,
            List<TrainingReport.Evaluation<M>> evaluations,
            int best,
            double trainLossSum,
            int trainLossCount,
            double logLossSum,
            int logLossCount) {}

    private final Path dir;
    private final int keep;

    Checkpoints(Path runDir, int keep) {
        this.dir = runDir.resolve("checkpoints");
        this.keep = keep;
    }

    boolean any() {
        return latest().isPresent();
    }

    /** Writes a checkpoint atomically, prunes old ones, and returns it. */
    Path save(State<?> state, Map<String, WeightTensor> variables) throws IOException {
        Path target = dir.resolve(String.format("step-%08d", state.step()));
        writeAtomically(target, variables, state);
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> steps =
                    s.filter(p -> p.getFileName().toString().startsWith("step-")).sorted().toList();
            for (int i = 0; i < steps.size() - keep; i++) {
                deleteTree(steps.get(i));
            }
        }
        return target;
    }

    /** Replaces {@code best/} with these model weights. */
    void saveBest(Map<String, WeightTensor> weights, State<?> state) throws IOException {
        Path best = dir.resolve("best");
        Path old = dir.resolve(".old-best-" + UUID.randomUUID());
        Path fresh = dir.resolve(".new-best-" + UUID.randomUUID());
        writeAtomically(fresh, weights, state);
        if (Files.exists(best)) {
            Files.move(best, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, best, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /** The newest complete checkpoint. */
    Optional<Path> latest() {
        List<Path> all = newestFirst();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** The checkpoints that have a state file, newest first. */
    List<Path> newestFirst() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("step-"))
                    .filter(p -> Files.isRegularFile(p.resolve("state.json")))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Tidies what a killed run left: half-written {@code .tmp-*} and {@code .new-best-*} folders
     * are deleted, and a {@code best/} that was set aside ({@code .old-best-*}) but not yet
     * replaced is put back. Returns how many folders were removed.
     */
    int recover() throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> leftovers;
        try (Stream<Path> s = Files.list(dir)) {
            leftovers =
                    s.filter(
                                    p -> {
                                        String n = p.getFileName().toString();
                                        return n.startsWith(".tmp-")
                                                || n.startsWith(".new-best-")
                                                || n.startsWith(".old-best-");
                                    })
                            .sorted()
                            .toList();
        }
        int removed = 0;
        Path best = bestDir();
        for (Path p : leftovers) {
            if (p.getFileName().toString().startsWith(".old-best-") && !Files.exists(best)) {
                Files.move(p, best, StandardCopyOption.ATOMIC_MOVE);
                continue;
            }
            deleteTree(p);
            removed++;
        }
        return removed;
    }

    Path bestDir() {
        return dir.resolve("best");
    }

    /** The state of {@code checkpoint}, whose evaluations are {@code metrics}. */
    static <M extends EvaluationMetrics> State<M> readState(Path checkpoint, Class<M> metrics)
            throws IOException {
        @SuppressWarnings("unchecked")
        TypeToken<State<M>> type =
                (TypeToken<State<M>>) TypeToken.getParameterized(State.class, metrics);
        Path file = checkpoint.resolve("state.json");
        State<M> state;
        try {
            state = GSON.fromJson(Files.readString(file), type.getType());
        } catch (com.google.gson.JsonParseException | IllegalStateException e) {
            throw new IOException(file + " is not a checkpoint state (" + e.getMessage() + ")", e);
        }
        if (state == null
                || state.fingerprint() == null
                || state.evaluations() == null
                || state.step() < 0
                || state.epoch() < 0
                || state.batchInEpoch() < 0
                || state.metricsLines() < 0
                || state.best() >= state.evaluations().size()) {
            throw new IOException(file + " is not a complete checkpoint state");
        }
        return state;
    }

    static Map<String, WeightTensor> readVariables(Path checkpoint) throws ModelException {
        return Safetensors.read(checkpoint.resolve("variables.safetensors"));
    }

    private void writeAtomically(Path target, Map<String, WeightTensor> variables, State<?> state)
            throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            Safetensors.write(
                    tmp.resolve("variables.safetensors"),
                    variables,
                    Map.of("format", "hubtune-checkpoint"));
            Files.writeString(tmp.resolve("state.json"), GSON.toJson(state));
            for (String f : List.of("variables.safetensors", "state.json")) {
                try (FileChannel ch = FileChannel.open(tmp.resolve(f), StandardOpenOption.WRITE)) {
                    ch.force(true); // on disk before the rename makes it visible
                }
            }
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
    }

    static void deleteTree(Path root) throws IOException {
        FileTrees.deleteTree(root);
    }
}
