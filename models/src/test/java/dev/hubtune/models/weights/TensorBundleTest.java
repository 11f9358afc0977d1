package dev.hubtune.models.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/** Checkpoints written by TensorFlow itself ({@code SaveV2}) read back by our reader. */
class TensorBundleTest {

    @TempDir Path dir;

    @BeforeAll
    static void loadTensorFlow() throws Exception {
        TensorFlowRuntime.load();
    }

    /** Saves a float matrix, a float vector and an int counter with TF's own saver. */
    private Path save(float[][] matrix, float[] vector) {
        try (Graph g = new Graph();
                Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            Ops init = tf.withInitScope();
            Ops bert = tf.withSubScope("bert");
            bert.withSubScope("layer_0").withName("kernel").variable(init.constant(matrix));
            bert.withName("bias").variable(init.constant(vector));
            tf.withName("global_step").variable(init.constant(42L));
            s.initialize();
            s.save(dir.resolve("model.ckpt").toString());
        }
        return dir.resolve("model.ckpt.index");
    }

    @Test
    void readsWhatTensorFlowWrote() throws Exception {
        float[][] matrix = new float[300][7];
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < 7; j++) {
                matrix[i][j] = (float) Math.sin(i * 7 + j);
            }
        }
        Path index = save(matrix, new float[] {1.5f, -2f});
        Map<String, WeightTensor> w = TensorBundle.read(index);
        assertEquals(2, w.size(), "the int64 counter is skipped: " + w.keySet());
        WeightTensor kernel = w.get("bert/layer_0/kernel");
        assertArrayEquals(new long[] {300, 7}, kernel.shape());
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < 7; j++) {
                assertEquals(matrix[i][j], kernel.data()[i * 7 + j]);
            }
        }
        assertArrayEquals(new float[] {1.5f, -2f}, w.get("bert/bias").data());
        assertArrayEquals(new long[] {}, TensorBundle.shapes(index).get("global_step"));
    }

    @Test
    void damagedDataIsDetectedByItsChecksum() throws Exception {
        Path index = save(new float[][] {{1, 2}, {3, 4}}, new float[] {5});
        Path data = dir.resolve("model.ckpt.data-00000-of-00001");
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.seek(1);
            int b = f.read();
            f.seek(1);
            f.write(b ^ 0x40);
        }
        ModelException e = assertThrows(ModelException.class, () -> TensorBundle.read(index));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void missingShardAndForeignFilesAreNamed() throws Exception {
        Path index = save(new float[][] {{1}}, new float[] {2});
        Files.delete(dir.resolve("model.ckpt.data-00000-of-00001"));
        ModelException missing = assertThrows(ModelException.class, () -> TensorBundle.read(index));
        assertTrue(missing.getMessage().contains("is missing"), missing.getMessage());

        Path junk = Files.write(dir.resolve("junk.index"), new byte[100]);
        ModelException notIndex = assertThrows(ModelException.class, () -> TensorBundle.read(junk));
        assertTrue(notIndex.getMessage().contains("no SSTable footer"), notIndex.getMessage());
        assertFalse(Files.exists(dir.resolve("junk.data-00000-of-00001")));
    }
}
