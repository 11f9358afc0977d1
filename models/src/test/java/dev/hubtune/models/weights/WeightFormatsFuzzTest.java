package dev.hubtune.models.weights;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hubtune.models.ModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;

/**
 * Fuzz targets for the weight formats hubtune reads from downloaded, untrusted files: safetensors
 * (header and byte ranges), TF tensor bundles (SSTable index of protobuf entries plus a data
 * shard), ONNX protobuf and GGUF. The contract each asserts: the reader returns or throws {@link
 * ModelException} — never another exception, an {@link OutOfMemoryError} or a hang (Jazzer reports
 * an input that runs over its time limit).
 *
 * <p>Plain {@code mvn verify} replays the seeds in {@code WeightFormatsFuzzTestInputs/<method>/};
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=WeightFormatsFuzzTest#safetensors} fuzzes one target (one
 * per JVM run). Each target's own {@code fuzzerTestOneInput} serves Jazzer's command line for long
 * runs (see the README's Reliability section).
 */
@Tag("fuzz")
class WeightFormatsFuzzTest {

    private static final Path DIR = tempDir();

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("hubtune-fuzz-weights");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(String name, byte[] bytes) {
        try {
            return Files.write(DIR.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void safetensors(byte[] data) {
        try {
            Safetensors.read(write("model.safetensors", data));
        } catch (ModelException expected) {
            // the documented failure: a one-line message naming the file
        }
    }

    @FuzzTest(maxDuration = "30s")
    void tensorBundle(byte[] data) {
        // The index and the data shard in one input: a 4-byte big-endian length, then the index.
        int n = data.length < 4 ? 0 : ByteBuffer.wrap(data).getInt() & 0xffff;
        int indexEnd = Math.min(data.length, 4 + n);
        Path idx =
                write("variables.index", Arrays.copyOfRange(data, Math.min(4, indexEnd), indexEnd));
        write("variables.data-00000-of-00001", Arrays.copyOfRange(data, indexEnd, data.length));
        try {
            TensorBundle.read(idx);
        } catch (ModelException expected) {
            // documented
        }
    }

    @FuzzTest(maxDuration = "30s")
    void onnx(byte[] data) {
        try {
            OnnxWeights.read(write("model.onnx", data));
        } catch (ModelException expected) {
            // documented
        }
    }

    @FuzzTest(maxDuration = "30s")
    void gguf(byte[] data) {
        try (Gguf g = Gguf.open(write("model.gguf", data))) {
            g.metadata();
            for (String name : g.tensors().keySet()) {
                g.read(name);
            }
        } catch (ModelException expected) {
            // documented
        }
    }
}
