package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.ModelExports;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.apps.TokenClassifier;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hubtune predict DIR TEXT…}: labels from a fine-tuned classifier, entities from a token
 * classifier.
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description =
                "Classify texts with a model exported by hubtune finetune, or find their"
                        + " entities with a token classifier (NER).")
final class PredictCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(
            index = "0",
            paramLabel = "DIR",
            description =
                    "The classifier: a run directory of hubtune finetune (or its model/), or any"
                            + " transformers *ForSequenceClassification or *ForTokenClassification model.")
    String ref;

    @Parameters(
            index = "1..*",
            arity = "1..*",
            paramLabel = "TEXT",
            description = "Texts to classify.")
    List<String> texts;

    @Option(
            names = "--pair",
            paramLabel = "TEXT",
            description = "Second text for every TEXT (pair tasks).")
    String pair;

    @Option(
            names = "--max-length",
            converter = OptionValues.Positive.class,
            description =
                    "Tokens per text (default: as the model was trained, else its positions);"
                            + " token classifiers read longer texts in overlapping windows of it.")
    Integer maxLength;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description =
                    "A PEFT LoRA classifier adapter to apply over the model (REF is its base).")
    Path adapter;

    @Option(
            names = "--aggregation",
            paramLabel = "A",
            description =
                    "Token classifiers: how sub-tokens become entities, as transformers' pipeline"
                            + " does it: first (default: a word takes its first piece's label),"
                            + " average, max, simple (no word grouping) or none (every token).")
    String aggregation;

    @Override
    public Integer call() throws HubException, ModelException, TokenizerException {
        Path dir = common.model(ref);
        if (ModelExports.metadata(ModelFamilies.describe(dir)).task()
                == ModelTask.TOKEN_CLASSIFICATION) {
            if (adapter != null) {
                throw new UserException(
                        "--adapter applies LoRA adapters to text classifiers; "
                                + dir
                                + " is a token classifier: export it merged (hubtune export)"
                                + " and predict with that");
            }
            return entities(dir);
        }
        if (aggregation != null) {
            throw new UserException(
                    "--aggregation is for token classifiers (NER); " + dir + " classifies texts");
        }
        List<TextClassifier.Prediction> predictions;
        List<String> labels;
        try (TextClassifier classifier =
                adapter != null
                        ? (maxLength == null
                                ? TextClassifier.load(dir, List.of(adapter))
                                : TextClassifier.load(dir, maxLength, List.of(adapter)))
                        : maxLength == null
                                ? TextClassifier.load(dir)
                                : TextClassifier.load(dir, maxLength)) {
            predictions =
                    pair == null
                            ? classifier.predict(texts)
                            : classifier.predict(texts, Collections.nCopies(texts.size(), pair));
            labels = classifier.labels();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("text", texts.get(i));
                row.put("label", predictions.get(i).label());
                row.put("score", predictions.get(i).score());
                Map<String, Float> probabilities = new LinkedHashMap<>();
                for (int k = 0; k < labels.size(); k++) {
                    probabilities.put(labels.get(k), predictions.get(i).probabilities()[k]);
                }
                row.put("probabilities", probabilities);
                rows.add(row);
            }
            out.println(Json.GSON.toJson(rows));
            return Hubtune.EXIT_OK;
        }
        for (int i = 0; i < texts.size(); i++) {
            out.printf(
                    Locale.ROOT,
                    "%-16s %.3f  %s%n",
                    predictions.get(i).label(),
                    predictions.get(i).score(),
                    texts.get(i));
        }
        return Hubtune.EXIT_OK;
    }

    /** A token classifier's entities in every text. */
    private int entities(Path dir) throws ModelException, TokenizerException {
        if (pair != null) {
            throw new UserException("--pair is for pair classifiers; " + dir + " tags tokens");
        }
        TokenClassifier.Aggregation how;
        try {
            how =
                    aggregation == null
                            ? TokenClassifier.Aggregation.FIRST
                            : TokenClassifier.Aggregation.parse(aggregation);
        } catch (IllegalArgumentException e) {
            throw new UserException("--aggregation: " + e.getMessage());
        }
        List<List<TokenClassifier.Entity>> found = new ArrayList<>();
        // a text longer than --max-length (default: the model's positions) is read in windows
        try (TokenClassifier classifier =
                TokenClassifier.load(dir, maxLength == null ? 0 : maxLength)) {
            for (String t : texts) {
                found.add(classifier.entities(t, how));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("text", texts.get(i));
                row.put("entities", found.get(i));
                rows.add(row);
            }
            out.println(Json.GSON.toJson(rows));
            return Hubtune.EXIT_OK;
        }
        for (int i = 0; i < texts.size(); i++) {
            out.println(texts.get(i));
            if (found.get(i).isEmpty()) {
                out.println("  (no entities)");
            }
            for (TokenClassifier.Entity e : found.get(i)) {
                out.printf(
                        Locale.ROOT,
                        "  %-10s %.3f  [%d, %d)  %s%n",
                        e.type(),
                        e.score(),
                        e.start(),
                        e.end(),
                        e.text());
            }
        }
        return Hubtune.EXIT_OK;
    }
}
