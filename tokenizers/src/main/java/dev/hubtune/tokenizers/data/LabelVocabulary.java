package dev.hubtune.tokenizers.data;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The labels of a classification task and their class ids, saved with the model ({@code
 * labels.json}) so predictions map back to the user's labels. Labels are sorted (numerically when
 * all are integers), so the same data always gives the same ids.
 */
public final class LabelVocabulary {

    private final List<String> labels;
    private final Map<String, Integer> ids = new HashMap<>();

    private LabelVocabulary(List<String> labels) {
        this.labels = List.copyOf(labels);
        for (int i = 0; i < labels.size(); i++) {
            ids.put(labels.get(i), i);
        }
    }

    /** The vocabulary of the labels seen in training. */
    public static LabelVocabulary of(Collection<String> seen) throws DatasetException {
        TreeSet<String> distinct = new TreeSet<>(seen);
        if (distinct.isEmpty()) {
            throw new DatasetException(
                    "no labels: the training set is empty or has no label column");
        }
        List<String> sorted = new ArrayList<>(distinct);
        if (sorted.stream().allMatch(s -> s.matches("-?\\d{1,9}"))) {
            sorted.sort((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        }
        return new LabelVocabulary(sorted);
    }

    /**
     * The vocabulary of {@code labels} in the order given (e.g. a teacher model's {@code
     * id2label}), so that class ids mean what they mean there.
     */
    public static LabelVocabulary ordered(List<String> labels) throws DatasetException {
        if (labels.isEmpty() || new java.util.HashSet<>(labels).size() != labels.size()) {
            throw new DatasetException("labels must be distinct and not empty, got " + labels);
        }
        return new LabelVocabulary(labels);
    }

    /** The labels in id order. */
    public List<String> labels() {
        return labels;
    }

    /** Number of classes. */
    public int size() {
        return labels.size();
    }

    /** The class id of a label; a label training never saw is an error that names it. */
    public int id(String label, long line) throws DatasetException {
        Integer id = ids.get(label);
        if (id == null) {
            throw new DatasetException(
                    "label '"
                            + label
                            + "' at line "
                            + line
                            + " never occurs in the training data (labels: "
                            + labels
                            + "); fix the label or add examples of it to the training set");
        }
        return id;
    }

    /** The label of a class id. */
    public String label(int id) {
        return labels.get(id);
    }

    /** Saves as a JSON array. */
    public void save(Path file) throws IOException {
        Files.writeString(file, new Gson().toJson(labels), StandardCharsets.UTF_8);
    }

    /** Loads a saved vocabulary. */
    public static LabelVocabulary load(Path file) throws DatasetException {
        try {
            String[] labels =
                    new Gson()
                            .fromJson(
                                    Files.readString(file, StandardCharsets.UTF_8), String[].class);
            if (labels == null || labels.length == 0) {
                throw new DatasetException(file + " holds no labels");
            }
            return new LabelVocabulary(List.of(labels));
        } catch (IOException | JsonParseException e) {
            throw new DatasetException(
                    "cannot read the labels in " + file + ": " + e.getMessage(), e);
        }
    }
}
