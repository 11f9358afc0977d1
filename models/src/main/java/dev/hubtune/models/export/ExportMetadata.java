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
 * @param data the columns and length it was trained with, so evaluation can reuse them
 * @param outputs what a sequence classifier's outputs mean when they are not one softmax over
 *     classes (multi-label, regression)
 */
public record ExportMetadata(
        ModelTask task,
        List<String> labels,
        Optional<Pooling> pooling,
        Optional<DataColumns> data,
        Optional<Outputs> outputs) {

    /** What a sequence classifier outputs, as HF's {@code problem_type} names it. */
    public enum ProblemType {
        /** One softmax over the classes (HF's default). */
        SINGLE_LABEL_CLASSIFICATION,
        /** An independent sigmoid per label. */
        MULTI_LABEL_CLASSIFICATION,
        /** Raw values. */
        REGRESSION;

        /** The name in {@code config.json}, e.g. {@code multi_label_classification}. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A sequence classifier's outputs beyond HF's default.
     *
     * @param problemType what the logits are
     * @param thresholds multi-label: the probability above which each label applies
     */
    public record Outputs(ProblemType problemType, List<Double> thresholds) {

        /** Copies the thresholds. */
        public Outputs {
            thresholds = List.copyOf(thresholds);
        }

        /** {@code config}'s outputs, if it says anything beyond a softmax. */
        public static Optional<Outputs> read(JsonObject config) {
            JsonElement p = config.get("problem_type");
            if (p == null || !p.isJsonPrimitive()) {
                return Optional.empty();
            }
            ProblemType type;
            try {
                type = ProblemType.valueOf(p.getAsString().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException unknown) {
                return Optional.empty();
            }
            List<Double> thresholds = new ArrayList<>();
            JsonElement t = config.get(THRESHOLDS_KEY);
            if (t != null && t.isJsonArray()) {
                t.getAsJsonArray().forEach(x -> thresholds.add(x.getAsDouble()));
            }
            return Optional.of(new Outputs(type, thresholds));
        }

        /** The keys {@link #read} reads: {@code problem_type} and, if any, the thresholds. */
        public JsonObject toJson() {
            JsonObject json = new JsonObject();
            json.addProperty("problem_type", problemType.configName());
            if (!thresholds.isEmpty()) {
                com.google.gson.JsonArray t = new com.google.gson.JsonArray();
                thresholds.forEach(t::add);
                json.add(THRESHOLDS_KEY, t);
            }
            return json;
        }
    }

    /** The config key of a multi-label classifier's thresholds (hubtune's own). */
    public static final String THRESHOLDS_KEY = "hubtune_thresholds";

    /** Metadata without special outputs. */
    public ExportMetadata(
            ModelTask task,
            List<String> labels,
            Optional<Pooling> pooling,
            Optional<DataColumns> data) {
        this(task, labels, pooling, data, Optional.empty());
    }

    /**
     * The data a model was fine-tuned on, as hubtune records it ({@code hubtune_data} in {@code
     * config.json}).
     *
     * @param text the text column
     * @param pair the second text's column of pair tasks, or null
     * @param label the label column, or null
     * @param maxLength tokens per sequence
     */
    public record DataColumns(String text, String pair, String label, int maxLength) {

        /** {@code config}'s record, if it has one. */
        public static Optional<DataColumns> read(JsonObject config) {
            JsonElement e = config.get(DATA_KEY);
            if (e == null || !e.isJsonObject()) {
                return Optional.empty();
            }
            JsonObject o = e.getAsJsonObject();
            try {
                return Optional.of(
                        new DataColumns(
                                o.get("text_column").getAsString(),
                                string(o, "text_pair_column"),
                                string(o, "label_column"),
                                o.get("max_length").getAsInt()));
            } catch (RuntimeException bad) {
                return Optional.empty(); // a hand-edited record: fall back to the defaults
            }
        }

        private static String string(JsonObject o, String key) {
            JsonElement e = o.get(key);
            return e == null || e.isJsonNull() ? null : e.getAsString();
        }

        /** The record as {@code config.json} holds it. */
        public java.util.Map<String, Object> toJson() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("text_column", text);
            m.put("text_pair_column", pair);
            m.put("label_column", label);
            m.put("max_length", maxLength);
            return m;
        }
    }

    /** The config key of the training data's columns. */
    public static final String DATA_KEY = "hubtune_data";

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
        return new ExportMetadata(task, List.of(), Optional.empty(), Optional.empty());
    }

    /** A sequence classifier. */
    public static ExportMetadata sequenceClassifier(List<String> labels, Pooling pooling) {
        return new ExportMetadata(
                ModelTask.SEQUENCE_CLASSIFICATION, labels, Optional.of(pooling), Optional.empty());
    }

    /** A token classifier. */
    public static ExportMetadata tokenClassifier(List<String> labels) {
        return new ExportMetadata(
                ModelTask.TOKEN_CLASSIFICATION, labels, Optional.empty(), Optional.empty());
    }

    /** The same with the data it was trained on recorded. */
    public ExportMetadata withData(DataColumns columns) {
        return new ExportMetadata(task, labels, pooling, Optional.of(columns), outputs);
    }

    /** The same with {@code outputs} recorded. */
    public ExportMetadata withOutputs(Outputs outputs) {
        return new ExportMetadata(task, labels, pooling, data, Optional.of(outputs));
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
