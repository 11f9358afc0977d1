package dev.hubtune.models.runtime;

import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Copies between TensorFlow tensors and Java arrays. */
public final class Tensors {

    private Tensors() {}

    /** The values of a float tensor, row-major. */
    public static float[] floats(TFloat32 t) {
        float[] flat = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(flat, false, false));
        return flat;
    }
}
