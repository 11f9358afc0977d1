package dev.hubtune.models.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherEmbeddingsTest {

    @TempDir Path dir;

    /**
     * A table whose rows spread mostly along two known orthogonal directions (spreads 5 and 2) plus
     * small noise: its two principal components are those directions, uncorrelated, the first with
     * the larger variance, rescaled to the table's per-coordinate spread.
     */
    @Test
    void theProjectionKeepsTheDirectionsAlongWhichTokensDifferMost() throws Exception {
        int rows = 400;
        int width = 8;
        Random r = new Random(3);
        double[] d1 = {1, 1, 0, 0, 0, 0, 0, 0};
        double[] d2 = {0, 0, 1, -1, 0, 0, 0, 0};
        double[] z1 = new double[rows];
        float[] x = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            z1[i] = r.nextGaussian();
            double z2 = r.nextGaussian();
            for (int j = 0; j < width; j++) {
                x[i * width + j] =
                        (float)
                                (1.5
                                        + 5 * z1[i] * d1[j] / Math.sqrt(2)
                                        + 2 * z2 * d2[j] / Math.sqrt(2)
                                        + 0.01 * r.nextGaussian());
            }
        }
        WeightTensor p =
                TeacherEmbeddings.project(new WeightTensor(new long[] {rows, width}, x), rows, 2);
        assertArrayEquals(new long[] {rows, 2}, p.shape());
        double[] var = new double[2];
        double cov = 0;
        double corr = 0;
        for (int i = 0; i < rows; i++) {
            double a = p.data()[2 * i];
            double b = p.data()[2 * i + 1];
            var[0] += a * a / rows;
            var[1] += b * b / rows;
            cov += a * b / rows;
            corr += a * z1[i] / rows;
        }
        assertTrue(
                var[0] > 5 * var[1], Arrays.toString(var) + ": the first component spreads most");
        assertEquals(0, cov / Math.sqrt(var[0] * var[1]), 1e-3, "components are uncorrelated");
        assertEquals(1, Math.abs(corr) / Math.sqrt(var[0]), 0.01, "component 1 is direction 1");
        double spread = 0;
        double mean = 0;
        for (float v : x) {
            mean += v / x.length;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < width; j++) {
                double colMean = 0;
                for (int k = 0; k < rows; k++) {
                    colMean += x[k * width + j] / rows;
                }
                spread += Math.pow(x[i * width + j] - colMean, 2) / (rows * width);
            }
        }
        assertEquals(spread, (var[0] + var[1]) / 2, 1e-3 * spread, "rescaled to the table's");
        assertTrue(mean > 1, "the table was not centred to begin with");
    }

    @Test
    void equalWidthsCopyTheRowsAndMismatchesSayWhatToDo() throws Exception {
        float[] x = {1, 2, 3, 4, 5, 6};
        WeightTensor t = new WeightTensor(new long[] {3, 2}, x);
        assertArrayEquals(new float[] {1, 2, 3, 4}, TeacherEmbeddings.project(t, 2, 2).data());
        ModelException wide =
                assertThrows(ModelException.class, () -> TeacherEmbeddings.project(t, 3, 4));
        assertTrue(wide.getMessage().contains("needs embedding_size ≤ 2"), wide.getMessage());
        ModelException vocab =
                assertThrows(ModelException.class, () -> TeacherEmbeddings.project(t, 4, 2));
        assertTrue(vocab.getMessage().contains("teacher's tokenizer"), vocab.getMessage());
    }

    @Test
    void aRecurrentStudentGetsItsTeachersTokenEmbedding() throws Exception {
        Path teacher = TinyBert.huggingFaceDir(dir.resolve("teacher"));
        Path config =
                Files.writeString(
                        dir.resolve("student.json"),
                        "{\"model_type\": \"hubtune-rnn\", \"cell\": \"lstm\", \"embedding_size\":"
                                + " 12, \"hidden_size\": 8, \"max_length\": 16}");
        Path student =
                ModelInitializer.createFromConfig(config, teacher, dir.resolve("student"), 1);
        float[] random = weight(student).data();
        TeacherEmbeddings.copyInto(student, teacher);
        WeightTensor copied = weight(student);
        WeightTensor table = TeacherEmbeddings.tokenEmbedding(ModelFamilies.load(teacher));
        int vocab = Math.toIntExact(copied.shape()[0]);
        assertArrayEquals(new long[] {vocab, 12}, copied.shape());
        assertArrayEquals(TeacherEmbeddings.project(table, vocab, 12).data(), copied.data(), 0f);
        assertFalse(Arrays.equals(random, copied.data()));
        ModelFamilies.load(student); // still a loadable recurrent model

        ModelException notRecurrent =
                assertThrows(
                        ModelException.class, () -> TeacherEmbeddings.copyInto(teacher, teacher));
        assertTrue(
                notRecurrent.getMessage().contains("recurrent student"), notRecurrent.getMessage());
    }

    private static WeightTensor weight(Path model) throws Exception {
        return Safetensors.read(model.resolve("model.safetensors"))
                .get(TeacherEmbeddings.STUDENT_EMBEDDING);
    }
}
