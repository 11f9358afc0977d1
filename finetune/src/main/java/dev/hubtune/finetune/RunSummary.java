package dev.hubtune.finetune;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;

/**
 * {@code run.json} in a run's output directory: what ran (task, model, data sizes, key settings),
 * how far it got, its best evaluation and where its model went; rewritten at each evaluation and at
 * the end, read by {@code hubtune runs} to compare runs.
 *
 * @param task the task, e.g. "Classification"
 * @param model the base model directory
 * @param trainFile the training file
 * @param trainExamples training examples
 * @param validationExamples validation examples
 * @param settings key settings by name (learning_rate, batch_size, …)
 * @param steps optimizer steps done
 * @param totalSteps steps planned
 * @param seconds wall time spent training: this process's, plus what earlier processes of the run
 *     (killed, then resumed) had recorded at their last evaluation
 * @param metric the metric choosing the best model
 * @param bestStep step of the best evaluation, or null before the first
 * @param bestValue the metric's value there (losses as losses), or null
 * @param bestSummary that evaluation's one-line summary, or null
 * @param exported the exported model directory, or null until the run has finished
 */
public record RunSummary(
        String task,
        String model,
        String trainFile,
        int trainExamples,
        int validationExamples,
        Map<String, Object> settings,
        int steps,
        int totalSteps,
        double seconds,
        String metric,
        Integer bestStep,
        Double bestValue,
        String bestSummary,
        String exported) {

    /** The file's name in a run directory. */
    public static final String FILE = "run.json";

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().serializeNulls().create();

    /** Reads {@code run.json} of the run in {@code dir}. */
    public static RunSummary read(Path dir) throws FinetuneException {
        Path file = dir.resolve(FILE);
        try {
            RunSummary r = GSON.fromJson(Files.readString(file), RunSummary.class);
            if (r == null || r.task() == null) {
                throw new FinetuneException(file + " is empty or not a hubtune run summary");
            }
            return r;
        } catch (NoSuchFileException e) {
            throw new FinetuneException(
                    dir
                            + " is not a hubtune run (no "
                            + FILE
                            + "); pass the --output directory of a finetune run",
                    e);
        } catch (IOException | JsonParseException e) {
            throw new FinetuneException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static void write(Path dir, RunSummary summary) throws IOException {
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve("." + FILE + "." + UUID.randomUUID() + ".tmp");
        Files.writeString(tmp, GSON.toJson(summary) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A model directory's display name: the repository of a hub cache snapshot ({@code
     * models--org--name/snapshots/<commit>} gives {@code name}), else the directory's name.
     */
    public static String modelName(String modelDir) {
        Path p = Path.of(modelDir);
        Path parent = p.getParent();
        if (parent != null
                && parent.getFileName() != null
                && parent.getFileName().toString().equals("snapshots")
                && parent.getParent() != null) {
            String repo = parent.getParent().getFileName().toString();
            int cut = repo.lastIndexOf("--");
            return cut < 0 ? repo : repo.substring(cut + 2);
        }
        return p.getFileName() == null ? modelDir : p.getFileName().toString();
    }

    /** The training time an earlier process of the run in {@code dir} recorded (0 if none). */
    static double secondsSoFar(Path dir) {
        try {
            return read(dir).seconds();
        } catch (FinetuneException e) {
            return 0;
        }
    }
}
