package dev.hubtune.models.weights;

import java.util.Arrays;

/**
 * A float32 parameter: its shape and its values in row-major order. Dense kernels are stored {@code
 * [in, out]} (TensorFlow's layout); importers of PyTorch-layout formats transpose.
 *
 * @param shape dimensions
 * @param data values, row-major
 */
public record WeightTensor(long[] shape, float[] data) {

    /** Checks that the data fills the shape. */
    public WeightTensor {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " needs "
                            + n
                            + " values, got "
                            + data.length);
        }
    }

    /** A tensor of normal(0, std) values drawn from {@code r}. */
    public static WeightTensor normal(java.util.Random r, float std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = std * (float) r.nextGaussian();
        }
        return new WeightTensor(shape, data);
    }

    /** A vector of {@code n} zeros (biases of fresh layers). */
    public static WeightTensor zeros(int n) {
        return filled(n, 0f);
    }

    /** A vector of {@code n} copies of {@code value}. */
    public static WeightTensor filled(int n, float value) {
        float[] data = new float[n];
        Arrays.fill(data, value);
        return new WeightTensor(new long[] {n}, data);
    }

    /** Dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** A one-line description. */
    public String describe() {
        return Arrays.toString(shape);
    }
}
