package dev.hubtune.models.export;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an export is for, besides its architecture: the task, the labels of a classifier (as HF's
 * {@code id2label}) and the pooling of a sequence classifier. Written into {@code config.json} and
 * read back from it, so a model directory describes itself.
 *
 * @param task what the model does
 * @param labels class names in id order; empty unless a classifier
 * @param pooling the classifier's pooling; empty unless a sequence classifier
 */
public record ExportMetadata(ModelTask task, List<String> labels, Optional<Pooling> pooling) {

    /** The config key of the pooling (hubtune's own; transformers ignores it). */
    public static final String POOLING_KEY = "hubtune_pooling";

    /** The config key of the task. */
    public static final String TASK_KEY = "hubtune_task";

    /** Copies the labels. */
    public ExportMetadata {
        labels = List.copyOf(labels);
    }

    /** A model for {@code task} without labels. */
    public static ExportMetadata of(ModelTask task) {
        return new ExportMetadata(task, List.of(), Optional.empty());
    }

    /** A sequence classifier. */
    public static ExportMetadata sequenceClassifier(List<String> labels, Pooling pooling) {
        return new ExportMetadata(ModelTask.SEQUENCE_CLASSIFICATION, labels, Optional.of(pooling));
    }

    /** A token classifier. */
    public static ExportMetadata tokenClassifier(List<String> labels) {
        return new ExportMetadata(ModelTask.TOKEN_CLASSIFICATION, labels, Optional.empty());
    }

    /**
     * The labels of {@code config}'s {@code id2label}, in id order; empty when it has none.
     *
     * @throws ModelException when ids are missing or not numbers
     */
    public static List<String> labels(JsonObject config, Path file) throws ModelException {
        JsonElement e = config.get("id2label");
        if (e == null || !e.isJsonObject()) {
            return List.of();
        }
        JsonObject id2label = e.getAsJsonObject();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < id2label.size(); i++) {
            JsonElement label = id2label.get(Integer.toString(i));
            if (label == null || !label.isJsonPrimitive()) {
                throw new ModelException(
                        file
                                + ": id2label has no label for id "
                                + i
                                + " (ids must run 0.."
                                + (id2label.size() - 1)
                                + ")");
            }
            labels.add(label.getAsString());
        }
        return labels;
    }

    /** The pooling recorded in {@code config}, if any. */
    public static Optional<Pooling> pooling(JsonObject config) {
        JsonElement e = config.get(POOLING_KEY);
        return e == null || !e.isJsonPrimitive()
                ? Optional.empty()
                : Optional.of(Pooling.parse(e.getAsString()));
    }

    /**
     * The task's name in {@code hubtune.json} and {@code config.json}, e.g. {@code
     * text-classification}.
     */
    public String taskName() {
        return switch (task) {
            case EMBEDDING -> "sentence-embedding";
            case SEQUENCE_CLASSIFICATION -> "text-classification";
            case TOKEN_CLASSIFICATION -> "token-classification";
            case MASKED_LM -> "fill-mask";
            case CAUSAL_LM -> "text-generation";
        };
    }
}
