package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a short run leaves to watch: a {@code type: train} line per logging step in metrics.jsonl,
 * the same points in TensorBoard (loss, learning rate, gradient norm, throughput, every evaluation
 * metric), and report.png/report.html. Set {@code -Dhubtune.report.copy=DIR} to keep the images and
 * event files for a look (and for tools/reference/tensorboard_check.py).
 */
class RunReportTest {

    @Test
    void classificationRunLogsEveryStepsToMetricsTensorBoardAndTheReport(@TempDir Path dir)
            throws Exception {
        ResumeTest.data("classification", dir);
        Path out = dir.resolve("run");
        TrainingReport<ClassificationMetrics> report =
                ClassifierTrainer.builder()
                        .setModelDir(dir.resolve("bert/tiny-bert"))
                        .setTrainFile(dir.resolve("train.csv"))
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(out)
                        .optMaxSteps(60)
                        .optBatchSize(16)
                        .optLearningRate(2e-3)
                        .optMaxLength(32)
                        .optThreads(2)
                        .optEvalEverySteps(15)
                        .optLogEverySteps(4)
                        .build()
                        .train();

        List<JsonObject> lines =
                Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                        .map(l -> JsonParser.parseString(l).getAsJsonObject())
                        .toList();
        List<JsonObject> train =
                lines.stream().filter(o -> o.get("type").getAsString().equals("train")).toList();
        assertEquals(15, train.size(), "steps 4, 8, …, 60");
        assertEquals(60, train.get(14).get("step").getAsInt());
        for (JsonObject t : train) {
            assertTrue(t.get("loss").getAsDouble() > 0, t.toString());
            assertTrue(t.get("grad_norm").getAsDouble() > 0, t.toString());
            assertTrue(t.get("sequences_per_second").getAsDouble() > 0, t.toString());
        }
        assertEquals(
                report.evaluations().size(),
                lines.stream().filter(o -> o.get("type").getAsString().equals("eval")).count());

        List<TensorBoardEvents.Scalar> board = TensorBoardEvents.read(out.resolve("tensorboard"));
        Set<String> tags =
                board.stream().map(TensorBoardEvents.Scalar::tag).collect(Collectors.toSet());
        assertTrue(
                tags.containsAll(
                        Set.of(
                                "train/loss",
                                "train/learning_rate",
                                "train/grad_norm",
                                "train/sequences_per_second",
                                "eval/eval_loss",
                                "eval/accuracy",
                                "eval/macro_f1",
                                "eval/precision/neg",
                                "eval/recall/pos")),
                tags.toString());
        // The logged values are metrics.jsonl's, as float32.
        double[] jsonLoss = train.stream().mapToDouble(t -> t.get("loss").getAsDouble()).toArray();
        double[] boardLoss =
                board.stream()
                        .filter(v -> v.tag().equals("train/loss"))
                        .mapToDouble(v -> v.value())
                        .toArray();
        assertArrayEquals(jsonLoss, boardLoss, 1e-6);
        float lastLr =
                board.stream()
                        .filter(v -> v.tag().equals("train/learning_rate") && v.step() == 8)
                        .findFirst()
                        .orElseThrow()
                        .value();
        assertEquals((float) train.get(1).get("learning_rate").getAsDouble(), lastLr);

        BufferedImage png = ImageIO.read(out.resolve("report.png").toFile());
        assertEquals(1400, png.getWidth());
        assertEquals(36 + 2 * 420, png.getHeight(), "four charts: loss, lr, metrics, confusion");
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains(report.exported().toString()), "the export path");
        assertTrue(html.contains("(240 examples)") || html.contains("examples)"), html);
        assertEquals(4, html.split("data:image/png;base64,", -1).length - 1, "charts embedded");
        assertTrue(html.contains("step " + report.best().step()), "the best evaluation");
        keep(out, "classification");
    }

    @Test
    @Tag("slow") // one more training run, ~25 s on 2 cores
    void causalLmReportHasThePerplexityChart(@TempDir Path dir) throws Exception {
        ResumeTest.data("causal-lm", dir);
        Path out = dir.resolve("run");
        LanguageModelTrainer.builder()
                .setModelDir(dir.resolve("gpt2/gpt2-tiny"))
                .setTrainFile(dir.resolve("corpus.txt"))
                .setOutputDir(out)
                .optMaxSteps(60)
                .optBatchSize(8)
                .optBlockSize(32)
                .optLearningRate(2e-3)
                .optGradientAccumulation(2)
                .optThreads(2)
                .optEvalEverySteps(20)
                .optLogEverySteps(5)
                .build()
                .train();
        Set<String> tags =
                TensorBoardEvents.read(out.resolve("tensorboard")).stream()
                        .map(TensorBoardEvents.Scalar::tag)
                        .collect(Collectors.toSet());
        assertTrue(tags.containsAll(Set.of("eval/perplexity", "train/grad_norm")), tags.toString());
        BufferedImage png = ImageIO.read(out.resolve("report.png").toFile());
        assertEquals(36 + 2 * 420, png.getHeight(), "four charts: loss, lr, metrics, perplexity");
        keep(out, "causal-lm");
    }

    @Test
    @Tag("slow") // one more training run, ~25 s on 2 cores
    void nerLogsF1PerEntityTypeAndChartsIt(@TempDir Path dir) throws Exception {
        Path model = TinyNer.bertTiny(dir);
        TinyNer data = new TinyNer(21);
        Path out = dir.resolve("run");
        TokenClassifierTrainer.builder()
                .setModelDir(model)
                .setTrainFile(TinyNer.conll(dir.resolve("train.conll"), data.sentences(300, false)))
                .optValidationFile(
                        TinyNer.jsonl(dir.resolve("validation.jsonl"), data.sentences(60, true)))
                .setOutputDir(out)
                .optMaxSteps(40)
                .optBatchSize(16)
                .optLearningRate(1e-3)
                .optMaxLength(24)
                .optThreads(2)
                .optEvalEverySteps(20)
                .build()
                .train();
        Set<String> tags =
                TensorBoardEvents.read(out.resolve("tensorboard")).stream()
                        .map(TensorBoardEvents.Scalar::tag)
                        .collect(Collectors.toSet());
        assertTrue(
                tags.containsAll(Set.of("eval/f1", "eval/types/PER/f1", "eval/types/ORG/recall")),
                tags.toString());
        BufferedImage png = ImageIO.read(out.resolve("report.png").toFile());
        assertEquals(36 + 2 * 420, png.getHeight(), "four charts: loss, lr, metrics, F1 per type");
        keep(out, "ner");
    }

    @Test
    void smoothingIsTensorBoardsDebiasedMovingAverage() {
        // TensorBoard, weight 0.6: last = 0.6*last + 0.4*v; shown = last / (1 - 0.6^(i+1)).
        double[] s = RunReport.smoothed(new double[] {1, 0, 0});
        assertEquals(1.0, s[0], 1e-12);
        assertEquals(0.24 / 0.64, s[1], 1e-12);
        assertEquals(0.144 / 0.784, s[2], 1e-12);
    }

    private static void keep(Path run, String name) throws Exception {
        String copy = System.getProperty("hubtune.report.copy");
        if (copy != null) {
            Files.createDirectories(Path.of(copy));
            for (String f : List.of("report.png", "report.html")) {
                Files.copy(
                        run.resolve(f),
                        Path.of(copy, name + "-" + f),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            Path board = Files.createDirectories(Path.of(copy, name + "-tensorboard"));
            try (var files = Files.list(run.resolve("tensorboard"))) {
                for (Path f : files.toList()) {
                    Files.copy(
                            f, board.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
