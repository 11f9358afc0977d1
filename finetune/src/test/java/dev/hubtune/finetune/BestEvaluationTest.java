package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported model is the best evaluation, not merely the first to reach the best score: ties on
 * the chosen metric go to the lower validation loss, and the default metric is the validation loss
 * itself (HF Trainer's {@code metric_for_best_model}).
 */
class BestEvaluationTest {

    @TempDir Path dir;

    private ClassifierTrainer.Builder trainer(Path out) throws Exception {
        return ClassifierTrainer.builder()
                .setModelDir(ClassifierTrainerTest.tinyModel(dir.resolve("m")))
                .setTrainFile(ClassifierTrainerTest.syntheticCsv(dir.resolve("t.csv"), 400, 3))
                .setTextColumn("text")
                .setLabelColumn("label")
                .setOutputDir(out)
                .optEpochs(5)
                .optEvalEverySteps(5)
                .optBatchSize(16)
                .optLearningRate(3e-3)
                .optMaxLength(32)
                .optSeed(7)
                .optThreads(2);
    }

    @Test
    void tiesOnAccuracyGoToTheLowerLoss() throws Exception {
        TrainingReport<ClassificationMetrics> report =
                trainer(dir.resolve("acc")).optMetric("accuracy").build().train();
        List<TrainingReport.Evaluation<ClassificationMetrics>> evals = report.evaluations();
        double top = evals.stream().mapToDouble(e -> e.metrics().accuracy()).max().orElseThrow();
        List<TrainingReport.Evaluation<ClassificationMetrics>> tied =
                evals.stream().filter(e -> e.metrics().accuracy() == top).toList();
        assertTrue(tied.size() >= 2, "the easy task ties on accuracy: " + evals);
        var expected = tied.stream().min(Comparator.comparingDouble(e -> e.metrics().loss())).get();
        assertEquals(expected.step(), report.best().step(), "best of " + tied);
        assertTrue(
                report.best().step() > tied.get(0).step() || tied.get(0) == expected,
                "not merely the first to reach it");
    }

    @Test
    void theDefaultMetricIsTheValidationLoss() throws Exception {
        TrainingReport<ClassificationMetrics> report = trainer(dir.resolve("loss")).build().train();
        var lowest =
                report.evaluations().stream()
                        .min(Comparator.comparingDouble(e -> e.metrics().loss()))
                        .get();
        assertEquals(lowest.step(), report.best().step());
    }
}
