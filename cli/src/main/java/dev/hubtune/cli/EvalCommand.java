package dev.hubtune.cli;

import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.hub.HubException;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.DatasetReader;
import dev.hubtune.tokenizers.data.Example;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code hubtune eval DIR --data FILE}: accuracy, macro-F1, per-class metrics and confusion matrix.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = "Evaluate a fine-tuned classifier on a labelled file.")
final class EvalCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Mixin DatasetColumns columns;

    @Parameters(
            index = "0",
            paramLabel = "DIR",
            description =
                    "The classifier: a run directory of hubtune finetune (or its model/), or any"
                            + " transformers *ForSequenceClassification model.")
    String ref;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "FILE",
            description = "Labelled data (.csv, .tsv, .jsonl).")
    Path data;

    @Option(
            names = "--max-length",
            converter = OptionValues.Positive.class,
            description =
                    "Tokens per text (default: as the model was trained, else its positions).")
    Integer maxLength;

    @Override
    public Integer call() throws HubException, ModelException, TokenizerException, IOException {
        Path dir = common.model(ref);
        try (TextClassifier classifier =
                maxLength == null
                        ? TextClassifier.load(dir)
                        : TextClassifier.load(dir, maxLength)) {
            // The training's columns unless told otherwise.
            DatasetColumns columns = this.columns.orTrained(classifier.trainingData());
            List<String> labels = classifier.labels();
            List<String> texts = new ArrayList<>();
            List<String> pairs = new ArrayList<>();
            List<Integer> gold = new ArrayList<>();
            try (DatasetReader reader = columns.reader(data).build()) {
                for (Example e : reader) {
                    String label = e.label().orElse("");
                    int id = labels.indexOf(label);
                    if (id < 0) {
                        throw new UserException(
                                data
                                        + " line "
                                        + e.line()
                                        + ": label '"
                                        + label
                                        + "' is not one the model knows "
                                        + labels,
                                null);
                    }
                    texts.add(e.text());
                    e.pair().ifPresent(pairs::add);
                    gold.add(id);
                }
            } catch (DatasetReader.Failure f) {
                throw f.exception();
            }
            int[] predicted = new int[texts.size()];
            for (int start = 0; start < texts.size(); start += 64) {
                int end = Math.min(texts.size(), start + 64);
                var batch =
                        columns.pair == null
                                ? classifier.predict(texts.subList(start, end))
                                : classifier.predict(
                                        texts.subList(start, end), pairs.subList(start, end));
                for (int i = 0; i < batch.size(); i++) {
                    predicted[start + i] = labels.indexOf(batch.get(i).label());
                }
            }
            ClassificationMetrics m =
                    ClassificationMetrics.of(
                            predicted,
                            gold.stream().mapToInt(Integer::intValue).toArray(),
                            labels.size(),
                            Double.NaN);
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("examples", texts.size());
                o.put("labels", labels);
                o.put("accuracy", m.accuracy());
                o.put("macro_f1", m.macroF1());
                o.put("precision", m.precision());
                o.put("recall", m.recall());
                o.put("confusion", m.confusion());
                out.println(Json.GSON.toJson(o));
                return Hubtune.EXIT_OK;
            }
            out.printf(
                    Locale.ROOT,
                    "%d examples: accuracy %.4f, macro-F1 %.4f%n",
                    texts.size(),
                    m.accuracy(),
                    m.macroF1());
            out.printf("%-16s %9s %9s%n", "label", "precision", "recall");
            for (int c = 0; c < labels.size(); c++) {
                out.printf(
                        Locale.ROOT,
                        "%-16s %9.4f %9.4f%n",
                        labels.get(c),
                        m.precision()[c],
                        m.recall()[c]);
            }
            out.println("confusion (rows: true label, columns: predicted):");
            for (int c = 0; c < labels.size(); c++) {
                StringBuilder row = new StringBuilder(String.format("%-16s", labels.get(c)));
                for (long n : m.confusion()[c]) {
                    row.append(String.format("%6d", n));
                }
                out.println(row);
            }
            return Hubtune.EXIT_OK;
        }
    }
}
