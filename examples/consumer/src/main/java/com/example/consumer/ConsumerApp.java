package com.example.consumer;

import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.apps.Embedder;
import dev.hubtune.models.apps.TextClassifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What an application does with hubtune as a library: pull a model by id, embed two sentences,
 * fine-tune a classifier for a few steps and classify with the export. It exits with status 1 when
 * a result is wrong, so a build that runs it proves the published artifacts work together.
 */
public final class ConsumerApp {

    private ConsumerApp() {}

    /** {@code OUTPUT_DIR}: where the fine-tuning run goes. */
    public static void main(String[] args) throws Exception {
        Path output = Path.of(args.length > 0 ? args[0] : "ticket-run");
        ModelDir model = Hub.builder().build().pull("all-minilm-l6-v2");

        // 1. Embeddings: a paraphrase is closer than an unrelated sentence.
        try (Embedder embedder = Embedder.builder().setModelDir(model.path()).build()) {
            float[][] v =
                    embedder.embed(
                            List.of(
                                    "A man is eating food.",
                                    "A man is eating a meal.",
                                    "The train leaves at noon."));
            double paraphrase = dot(v[0], v[1]);
            double unrelated = dot(v[0], v[2]);
            System.out.printf(
                    Locale.ROOT,
                    "embedding size %d, cosine paraphrase %.3f, unrelated %.3f%n",
                    v[0].length,
                    paraphrase,
                    unrelated);
            check(v[0].length == 384, "all-MiniLM-L6-v2 embeddings have 384 dimensions");
            check(paraphrase > unrelated + 0.3, "the paraphrase is the closer sentence");
        }

        // 2. Fine-tuning: a few steps on a tiny CSV, then classify with the exported model.
        Files.createDirectories(output.getParent() == null ? Path.of(".") : output.getParent());
        Path csv = Files.createTempFile("tickets", ".csv");
        StringBuilder rows = new StringBuilder("text,label\n");
        for (int i = 0; i < 8; i++) {
            rows.append("I was charged twice for order ").append(i).append(",billing\n");
            rows.append("the app crashes when I open screen ").append(i).append(",bug\n");
        }
        Files.writeString(csv, rows, StandardCharsets.UTF_8);
        TrainingReport<ClassificationMetrics> report =
                ClassifierTrainer.builder()
                        .setModelDir(model.path())
                        .setTrainFile(csv)
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(output)
                        .optOverwrite(true)
                        .optMaxSteps(4)
                        .optBatchSize(8)
                        .optMaxLength(32)
                        .optLearningRate(1e-4)
                        .build()
                        .train();
        System.out.println("fine-tuned for 4 steps, exported to " + report.exported());
        try (TextClassifier classifier = TextClassifier.load(report.exported(), 32)) {
            TextClassifier.Prediction p = classifier.predict(List.of("charged twice")).get(0);
            System.out.printf(Locale.ROOT, "'charged twice' -> %s (%.3f)%n", p.label(), p.score());
            check(Set.of("billing", "bug").contains(p.label()), "the export predicts a label");
        }
        Files.deleteIfExists(csv);
        System.out.println("consumer OK");
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i]; // unit vectors: the dot product is the cosine
        }
        return s;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("consumer FAILED: expected " + what);
            System.exit(1);
        }
    }
}
