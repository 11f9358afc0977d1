package dev.hubtune.examples;

import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.apps.TextClassifier;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Fine-tune a classifier from a CSV with the library API: pull all-MiniLM-L6-v2, train on a CSV
 * with {@code text} and {@code label} columns (20% held out for validation), then classify new
 * texts with the exported model. Run:
 *
 * <pre>
 * mvn -B -q -DskipTests -pl examples -am package
 * java -cp "examples/target/classes:examples/target/lib/*" dev.hubtune.examples.FineTuneFromCsv \
 *     cli/src/main/resources/quickstart/support-tickets.csv /tmp/ticket-run "my card was charged twice"
 * </pre>
 */
public final class FineTuneFromCsv {

    private FineTuneFromCsv() {}

    /** {@code CSV OUTPUT [TEXT…]}. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: FineTuneFromCsv CSV OUTPUT_DIR [TEXT...]");
            System.exit(1);
        }
        List<String> texts =
                args.length > 2
                        ? List.of(args).subList(2, args.length)
                        : List.of("my card was charged twice");
        run(Path.of(args[0]), Path.of(args[1]), texts, System.out);
    }

    static List<TextClassifier.Prediction> run(
            Path csv, Path output, List<String> texts, PrintStream out) throws Exception {
        ModelDir model = Hub.builder().build().pull("all-minilm-l6-v2");
        TrainingReport<ClassificationMetrics> report =
                ClassifierTrainer.builder()
                        .setModelDir(model.path())
                        .setTrainFile(csv)
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(output)
                        .optOverwrite(true)
                        .optEpochs(5)
                        .optLearningRate(1e-4)
                        .optMaxLength(64)
                        .build()
                        .train();
        out.printf(
                Locale.ROOT,
                "validation accuracy %.3f, exported to %s%n",
                report.best().metrics().accuracy(),
                report.exported());
        try (TextClassifier classifier = TextClassifier.load(report.exported(), 64)) {
            List<TextClassifier.Prediction> predictions = classifier.predict(texts);
            for (int i = 0; i < texts.size(); i++) {
                out.printf(
                        Locale.ROOT,
                        "%-10s %.3f  %s%n",
                        predictions.get(i).label(),
                        predictions.get(i).score(),
                        texts.get(i));
            }
            return predictions;
        }
    }
}
