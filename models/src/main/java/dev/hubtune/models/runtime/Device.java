package dev.hubtune.models.runtime;

/**
 * A device TensorFlow can place operations on.
 *
 * @param name TensorFlow's full device name, e.g. {@code
 *     /job:localhost/replica:0/task:0/device:CPU:0}
 * @param type {@code CPU} or {@code GPU}
 * @param memoryBytes memory TensorFlow reports for the device (0 when it does not know)
 */
public record Device(String name, String type, long memoryBytes) {

    /** True for a CUDA device. */
    public boolean isGpu() {
        return "GPU".equalsIgnoreCase(type);
    }
}
