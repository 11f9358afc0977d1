package dev.hubtune.models.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.ModelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @Test
    void float32RoundTripsExactly(@TempDir Path dir) throws Exception {
        Map<String, WeightTensor> in =
                Map.of(
                        "b",
                                new WeightTensor(
                                        new long[] {2, 3},
                                        new float[] {1, -2, 3.5f, Float.MIN_VALUE, -0f, 1e30f}),
                        "a", new WeightTensor(new long[] {1}, new float[] {42}));
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, in, Map.of("format", "pt"));
        Map<String, WeightTensor> out = Safetensors.read(file);
        assertEquals(in.keySet(), out.keySet());
        for (String k : in.keySet()) {
            assertArrayEquals(in.get(k).shape(), out.get(k).shape());
            assertArrayEquals(in.get(k).data(), out.get(k).data());
        }
        long headerLength =
                ByteBuffer.wrap(Files.readAllBytes(file), 0, 8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getLong();
        assertEquals(0, headerLength % 8, "data is 8-byte aligned");
    }

    @Test
    void halfAndBfloat16AreWidened(@TempDir Path dir) throws Exception {
        // F16: 1.0, -2.0, 0.5, 65504 (max), 2^-24 (smallest subnormal); BF16: 1.0, -3.0
        short[] f16 = {0x3C00, (short) 0xC000, 0x3800, 0x7BFF, 0x0001};
        short[] bf16 = {0x3F80, (short) 0xC040};
        String header =
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[10,14]}}";
        ByteBuffer buf =
                ByteBuffer.allocate(8 + header.length() + 14).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length()).put(header.getBytes(StandardCharsets.UTF_8));
        for (short s : f16) {
            buf.putShort(s);
        }
        for (short s : bf16) {
            buf.putShort(s);
        }
        Path file = dir.resolve("half.safetensors");
        Files.write(file, buf.array());
        Map<String, WeightTensor> t = Safetensors.read(file);
        assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f, 0x1.0p-24f}, t.get("h").data());
        assertArrayEquals(new float[] {1f, -3f}, t.get("b").data());
    }

    @Test
    void shardedModelsAreReadThroughTheirIndex(@TempDir Path dir) throws Exception {
        Safetensors.write(
                dir.resolve("model-00001-of-00002.safetensors"),
                Map.of("x", new WeightTensor(new long[] {1}, new float[] {1})),
                Map.of());
        Safetensors.write(
                dir.resolve("model-00002-of-00002.safetensors"),
                Map.of("y", new WeightTensor(new long[] {1}, new float[] {2})),
                Map.of());
        Files.writeString(
                dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\"}}");
        Map<String, WeightTensor> all = Safetensors.readModel(dir);
        assertEquals(2f, all.get("y").data()[0]);
        Files.writeString(
                dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"x\":\"../../etc/passwd\"}}");
        assertThrows(ModelException.class, () -> Safetensors.readModel(dir));
    }

    @Test
    void truncatedOrForeignFilesAreRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(
                file,
                Map.of("x", new WeightTensor(new long[] {4}, new float[] {1, 2, 3, 4})),
                Map.of());
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 4));
        ModelException truncated = assertThrows(ModelException.class, () -> Safetensors.read(file));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
        Files.writeString(file, "PK not a safetensors file");
        assertThrows(ModelException.class, () -> Safetensors.read(file));
    }

    /** A hand-written header over 256 bytes of data, as a crafted file would be. */
    private static Path crafted(Path dir, String shape, long begin, long end) throws Exception {
        String header =
                "{\"w\":{\"dtype\":\"F32\",\"shape\":"
                        + shape
                        + ",\"data_offsets\":["
                        + begin
                        + ","
                        + end
                        + "]}}";
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer buf =
                java.nio.ByteBuffer.allocate(8 + h.length + 256)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        Path file = dir.resolve("crafted.safetensors");
        Files.write(file, buf.array());
        return file;
    }

    @Test
    void shapesWhoseProductCancelsOrOverflowsAreRefused(@TempDir Path dir) throws Exception {
        // [-8, -8] multiplies to 64 floats = 256 bytes, exactly the range: only the sign catches
        // it.
        ModelException negative =
                assertThrows(
                        ModelException.class,
                        () -> Safetensors.read(crafted(dir, "[-8,-8]", 0, 256)));
        assertTrue(negative.getMessage().contains("negative dimension"), negative.getMessage());
        // 2^62 + 1 times 4 wraps around to 4 in 64-bit arithmetic.
        ModelException overflow =
                assertThrows(
                        ModelException.class,
                        () -> Safetensors.read(crafted(dir, "[4611686018427387905,4]", 0, 16)));
        assertTrue(overflow.getMessage().contains("too large"), overflow.getMessage());
        ModelException backwards =
                assertThrows(
                        ModelException.class, () -> Safetensors.read(crafted(dir, "[4]", 64, 48)));
        assertTrue(backwards.getMessage().contains("byte range"), backwards.getMessage());
        assertEquals(64, Safetensors.read(crafted(dir, "[8,8]", 0, 256)).get("w").data().length);
    }
}
