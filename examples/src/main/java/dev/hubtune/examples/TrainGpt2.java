package dev.hubtune.examples;

import dev.hubtune.finetune.LanguageModelMetrics;
import dev.hubtune.finetune.LanguageModelTrainer;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.apps.TextGenerator;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.init.ModelInitializer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Causal language modelling with GPT-2: trains a GPT-2 on a text corpus (documents separated by
 * blank lines) with the same loop as classification, then continues a prompt with the exported
 * model. Without a model directory it starts from a fresh gpt2-tiny with GPT-2's real tokenizer;
 * give an HF GPT-2 directory to fine-tune real weights instead. Run:
 *
 * <pre>
 * mvn -B -q -DskipTests -pl examples -am package
 * java -cp "examples/target/classes:examples/target/lib/*" dev.hubtune.examples.TrainGpt2 corpus.txt /tmp/lm-run "Once upon a time"
 * </pre>
 */
public final class TrainGpt2 {

    private TrainGpt2() {}

    /** Arguments: the corpus, the run directory, the prompt, and optionally a GPT-2 directory. */
    public static void main(String[] args) throws Exception {
        Path corpus = Path.of(args[0]);
        Path run = Path.of(args.length > 1 ? args[1] : "lm-run");
        String prompt = args.length > 2 ? args[2] : "Once upon a time";
        Path model = args.length > 3 ? Path.of(args[3]) : null;
        run(corpus, run, prompt, model, 200, System.out);
    }

    static TrainingReport<LanguageModelMetrics> run(
            Path corpus, Path run, String prompt, Path model, int steps, PrintStream out)
            throws Exception {
        if (model == null) {
            model = run.resolveSibling(run.getFileName() + "-gpt2-tiny");
            if (!Files.isRegularFile(model.resolve("config.json"))) {
                ModelDir tokenizer = Hub.builder().build().pull("gpt2-tokenizer");
                ModelInitializer.create("gpt2-tiny", tokenizer.path(), model, 42);
            }
        }
        TrainingReport<LanguageModelMetrics> report =
                LanguageModelTrainer.builder()
                        .setModelDir(model)
                        .setTrainFile(corpus)
                        .setOutputDir(run)
                        .optOverwrite(true)
                        .optBlockSize(64)
                        .optBatchSize(8)
                        .optMaxSteps(steps)
                        .optLearningRate(3e-3)
                        .optSamplePrompts(List.of(prompt))
                        .build()
                        .train();
        LanguageModelMetrics first = report.evaluations().get(0).metrics();
        LanguageModelMetrics best = report.best().metrics();
        out.printf(
                Locale.ROOT,
                "validation perplexity %.2f after step %d (%.2f at the first evaluation); %.0f"
                        + " tokens/s%n",
                best.perplexity(),
                report.best().step(),
                first.perplexity(),
                report.tokensPerSecond());
        try (TextGenerator generator =
                TextGenerator.builder().setModelDir(report.exported()).build()) {
            out.println(prompt + generator.generate(prompt, GenerationConfig.greedy(30)).text());
        }
        return report;
    }
}
