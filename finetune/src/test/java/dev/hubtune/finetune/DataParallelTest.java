package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data parallelism in one process: towers on two CPU devices, each on half of every batch, train as
 * one device does on the whole batch.
 */
class DataParallelTest {

    static TrainingReport<ClassificationMetrics> classify(
            Path root, Path out, int devices, int steps, double lr) throws FinetuneException {
        return classify(root, out, devices, steps, lr, false);
    }

    static TrainingReport<ClassificationMetrics> classify(
            Path root, Path out, int devices, int steps, double lr, boolean balance)
            throws FinetuneException {
        return ClassifierTrainer.builder()
                .setModelDir(root.resolve("bert/tiny-bert"))
                .setTrainFile(root.resolve("train.csv"))
                .setTextColumn("text")
                .setLabelColumn("label")
                .setOutputDir(out)
                .optMaxSteps(steps)
                .optBatchSize(16)
                .optLearningRate(lr)
                .optWarmupRatio(0)
                .optMaxLength(32)
                .optDropout(0) // dropout masks are drawn per tower: equal only without them
                .optSeed(11)
                .optThreads(1)
                .optDevices(devices)
                .optBalanceClasses(balance)
                .build()
                .train();
    }

    /** Largest |a - b| over every weight. */
    static double maxDiff(Map<String, WeightTensor> a, Map<String, WeightTensor> b) {
        assertEquals(a.keySet(), b.keySet());
        double d = 0;
        for (String name : a.keySet()) {
            float[] x = a.get(name).data();
            float[] y = b.get(name).data();
            for (int i = 0; i < x.length; i++) {
                d = Math.max(d, Math.abs(x[i] - y[i]));
            }
        }
        return d;
    }

    static Map<String, WeightTensor> weights(TrainingReport<?> r) throws Exception {
        return Safetensors.read(r.exported().resolve("model.safetensors"));
    }

    @Test
    void twoDevicesOnHalfBatchesEqualOneDeviceOnTheWholeBatch(@TempDir Path dir) throws Exception {
        ClassifierTrainerTest.tinyModel(dir.resolve("bert"));
        ClassifierTrainerTest.syntheticCsv(dir.resolve("train.csv"), 300, 9);
        Map<String, WeightTensor> start = weights(classify(dir, dir.resolve("zero"), 1, 1, 1e-12));
        TrainingReport<ClassificationMetrics> one = classify(dir, dir.resolve("one"), 1, 3, 1e-3);
        TrainingReport<ClassificationMetrics> two = classify(dir, dir.resolve("two"), 2, 3, 1e-3);
        Map<String, WeightTensor> a = weights(one);
        Map<String, WeightTensor> b = weights(two);
        double moved = maxDiff(start, a);
        double diff = maxDiff(a, b);
        assertTrue(moved > 5e-4, "3 steps changed the weights (max " + moved + ")");
        assertTrue(
                diff < 1e-6,
                "2 devices vs 1: max |diff| " + diff + " (weights moved " + moved + ")");
        assertEquals(
                one.evaluations().get(0).metrics().loss(),
                two.evaluations().get(0).metrics().loss(),
                1e-6);
    }

    @Test
    void classWeightedLossSplitsByTheTowersWeights(@TempDir Path dir) throws Exception {
        // Class-weighted: each tower's mean has its own denominator (its summed class weights).
        ClassifierTrainerTest.tinyModel(dir.resolve("bert"));
        ClassifierTrainerTest.syntheticCsv(dir.resolve("train.csv"), 300, 9);
        double diff =
                maxDiff(
                        weights(classify(dir, dir.resolve("one"), 1, 3, 1e-3, true)),
                        weights(classify(dir, dir.resolve("two"), 2, 3, 1e-3, true)));
        assertTrue(diff < 1e-6, "class-weighted, 2 devices vs 1: max |diff| " + diff);
    }

    @Test
    void tokenMeanLossSplitsByTheTowersTokenCounts(@TempDir Path dir) throws Exception {
        // SFT counts only the assistant's tokens, a different number per conversation.
        ResumeTest.data("sft", dir);
        Map<String, WeightTensor> w1 = null;
        for (int devices : new int[] {1, 2}) {
            TrainingReport<?> r =
                    SftTrainer.builder()
                            .setModelDir(dir.resolve("llama"))
                            .setTrainFile(dir.resolve("chats.jsonl"))
                            .setOutputDir(dir.resolve("sft-" + devices))
                            .optMaxSteps(3)
                            .optBatchSize(8)
                            .optLearningRate(1e-3)
                            .optWarmupRatio(0)
                            .optDropout(0)
                            .optSeed(11)
                            .optThreads(1)
                            .optDevices(devices)
                            .build()
                            .train();
            Map<String, WeightTensor> w = weights(r);
            if (w1 == null) {
                w1 = w;
            } else {
                double diff = maxDiff(w1, w);
                assertTrue(diff < 1e-6, "SFT, 2 devices vs 1: max |diff| " + diff);
            }
        }
    }
}
