package dev.hubtune.models.nn;

import dev.hubtune.models.weights.WeightTensor;
import java.util.Arrays;
import java.util.Random;

/** How a fresh parameter gets its first values (a task head, a model created from scratch). */
@FunctionalInterface
public interface Initializer {

    /** Values of {@code shape}, drawing from {@code random}. */
    WeightTensor create(Random random, long[] shape);

    /** normal(0, std), BERT's and GPT-2's initializer ({@code initializer_range} 0.02). */
    static Initializer normal(float std) {
        return (random, shape) -> WeightTensor.normal(random, std, shape);
    }

    /**
     * uniform(-bound, bound): PyTorch's {@code kaiming_uniform_(w, a=√5)}, the default of {@code
     * nn.Linear} and of LoRA's A, is this with {@code bound = 1/√fan_in}.
     */
    static Initializer uniform(float bound) {
        return (random, shape) -> {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            float[] data = new float[Math.toIntExact(n)];
            for (int i = 0; i < data.length; i++) {
                data[i] = bound * (2 * random.nextFloat() - 1);
            }
            return new WeightTensor(shape.clone(), data);
        };
    }

    /** All zeros (biases, LayerNorm shifts, LoRA's B). */
    static Initializer zeros() {
        return constant(0f);
    }

    /** All ones (LayerNorm and RMSNorm scales). */
    static Initializer ones() {
        return constant(1f);
    }

    /** Every value {@code value}. */
    static Initializer constant(float value) {
        return (random, shape) -> {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            float[] data = new float[Math.toIntExact(n)];
            Arrays.fill(data, value);
            return new WeightTensor(shape.clone(), data);
        };
    }
}
