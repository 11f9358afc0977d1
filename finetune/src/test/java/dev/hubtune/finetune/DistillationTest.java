package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.testing.TinyBert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Distillation: the loss is its definition; a BiLSTM student learns a fine-tuned BERT teacher's
 * task from a few labelled rows and many texts the teacher labels.
 */
class DistillationTest {

    @TempDir static Path dir;

    @Test
    void theLossIsTemperedSoftCrossEntropyPlusWeightedGoldCrossEntropy() throws Exception {
        TensorFlowRuntime.load();
        float[][] logits = {{2f, -1f, 0.5f}, {0.1f, 0.2f, 3f}};
        float[][] soft = {{0.7f, 0.1f, 0.2f}, {0.3f, 0.3f, 0.4f}};
        int[] labels = {0, 1};
        float[] mask = {1f, 0f}; // the second row has no gold label
        double t = 2.0;
        double w = 0.5;
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            expected += t * t * crossEntropy(soft[i], logits[i], t) / 2;
        }
        double[] onehot = {1, 0, 0};
        float[] oneHotRow = {(float) onehot[0], (float) onehot[1], (float) onehot[2]};
        expected += w * crossEntropy(oneHotRow, logits[0], 1); // only the gold row, mean over 1
        try (Graph g = new Graph();
                Session session = new Session(g)) {
            Ops tf = Ops.create(g);
            var loss =
                    ClassificationTask.distillationLoss(
                            tf,
                            tf.constant(logits),
                            tf.constant(soft),
                            tf.constant(labels),
                            tf.constant(mask),
                            3,
                            t,
                            w);
            try (Result r = session.runner().fetch(loss).run()) {
                assertEquals(expected, ((TFloat32) r.get(0)).getFloat(), 1e-5);
            }
        }
    }

    private static double crossEntropy(float[] target, float[] logits, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / t);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l / t - max);
        }
        double ce = 0;
        for (int c = 0; c < logits.length; c++) {
            ce -= target[c] * (logits[c] / t - max - Math.log(sum));
        }
        return ce;
    }

    @Test
    void temperingKeepsTheArgmaxAndFlattens() {
        float[] p = {0.7f, 0.2f, 0.1f};
        assertArrayEquals(p, ClassificationTask.tempered(p, 1.0), 1e-6f);
        float[] flat = ClassificationTask.tempered(p, 4.0);
        assertTrue(flat[0] > flat[1] && flat[1] > flat[2] && flat[0] < 0.7f && flat[2] > 0.1f);
        assertEquals(1.0, flat[0] + flat[1] + flat[2], 1e-6);
        assertThrows(
                IllegalArgumentException.class, () -> Distillation.from(dir).withTemperature(0));
        assertThrows(
                IllegalArgumentException.class, () -> Distillation.from(dir).withGoldWeight(-1));
    }

    /**
     * A fine-tuned tiny BERT teaches a small BiLSTM (embedding 16, 16 units a direction) the "does
     * w7 occur" task from 40 labelled rows and 600 texts without labels: the student matches the
     * teacher, and beats the same student trained on the 40 labelled rows alone.
     */
    @Tag("slow")
    @Test
    void aBiLstmStudentLearnsFromTheTeacherWhatFewLabelsCannotTeach() throws Exception {
        Path base = TinyBert.huggingFaceDir(dir.resolve("bert"));
        Path all = ClassifierTrainerTest.syntheticCsv(dir.resolve("all.csv"), 800, 3);
        Path validation = ClassifierTrainerTest.syntheticCsv(dir.resolve("val.csv"), 200, 11);
        Path teacher =
                ClassifierTrainer.builder()
                        .setModelDir(base)
                        .setTrainFile(all)
                        .optValidationFile(validation)
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(dir.resolve("teacher"))
                        .optEpochs(4)
                        .optLearningRate(2e-3)
                        .optMaxLength(16)
                        .optSeed(7)
                        .build()
                        .train()
                        .exported();
        List<String> lines = Files.readAllLines(all);
        Path few = Files.write(dir.resolve("few.csv"), lines.subList(0, 41)); // header + 40
        StringBuilder texts = new StringBuilder("text\n");
        lines.subList(41, 641).forEach(l -> texts.append(l, 0, l.lastIndexOf(',')).append('\n'));
        Path unlabeled = Files.writeString(dir.resolve("unlabeled.csv"), texts);

        double distilled =
                student("distilled", few, validation, teacher)
                        .optDistillation(Distillation.from(teacher).withUnlabeledFile(unlabeled))
                        .build()
                        .train()
                        .best()
                        .metrics()
                        .accuracy();
        double goldOnly =
                student("gold-only", few, validation, teacher)
                        .build()
                        .train()
                        .best()
                        .metrics()
                        .accuracy();
        // the 40 rows and 15 augmented copies of each (masked words, n-grams), no other texts
        double augmented =
                student("augmented", few, validation, teacher)
                        .optDistillation(Distillation.from(teacher).withAugmentedCopies(15))
                        .build()
                        .train()
                        .best()
                        .metrics()
                        .accuracy();
        double teacherAccuracy;
        try (TextClassifier t = TextClassifier.load(teacher)) {
            teacherAccuracy = accuracy(t, validation);
        }
        System.out.printf(
                "distillation: teacher %.3f, BiLSTM student %.3f, the same student on the 40"
                        + " labels alone %.3f, on the 40 and their augmented copies %.3f%n",
                teacherAccuracy, distilled, goldOnly, augmented);
        assertTrue(teacherAccuracy >= 0.95, "teacher " + teacherAccuracy);
        assertTrue(distilled >= 0.95 * teacherAccuracy, distilled + " vs " + teacherAccuracy);
        assertTrue(distilled > goldOnly, distilled + " vs gold only " + goldOnly);
        assertTrue(augmented > goldOnly, "augmented " + augmented + " vs gold only " + goldOnly);
        try (TextClassifier s = TextClassifier.load(dir.resolve("distilled/model"))) {
            assertEquals(List.of("neg", "pos"), s.labels(), "the teacher's labels");
        }
    }

    private static ClassifierTrainer.Builder student(
            String name, Path train, Path validation, Path tokenizer) throws Exception {
        Path config = dir.resolve(name + "-config.json");
        Files.writeString(
                config,
                "{\"model_type\": \"hubtune-rnn\", \"cell\": \"lstm\", \"embedding_size\": 16,"
                        + " \"hidden_size\": 16, \"num_layers\": 1, \"bidirectional\": true,"
                        + " \"max_length\": 16}");
        Path model =
                ModelInitializer.createFromConfig(
                        config, tokenizer, dir.resolve(name + "-init"), 5);
        return ClassifierTrainer.builder()
                .setModelDir(model)
                .setTrainFile(train)
                .optValidationFile(validation)
                .setTextColumn("text")
                .setLabelColumn("label")
                .setOutputDir(dir.resolve(name))
                .optEpochs(8)
                .optBatchSize(16)
                .optLearningRate(1e-2)
                .optMaxLength(16)
                .optSeed(7)
                .optThreads(2);
    }

    private static double accuracy(TextClassifier c, Path csv) throws Exception {
        List<String> rows = Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size());
        List<String> texts = rows.stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
        List<TextClassifier.Prediction> p = c.predict(texts);
        int right = 0;
        for (int i = 0; i < rows.size(); i++) {
            right += rows.get(i).endsWith("," + p.get(i).label()) ? 1 : 0;
        }
        return (double) right / rows.size();
    }
}
