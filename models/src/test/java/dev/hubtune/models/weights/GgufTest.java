package dev.hubtune.models.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF reader against the {@code gguf} Python package (an independent implementation): every
 * tensor of a tiny Llama GGUF in F32, F16, BF16, Q8_0, Q4_0 and Q4_1 dequantises to the same
 * values; and files that lie get clear errors without large allocations. Fixture from {@code
 * tools/reference/gguf_reference.py}.
 */
class GgufTest {

    @TempDir static Path dir;
    static Path tiny;
    static JsonObject reference;

    @BeforeAll
    static void copyFixture() throws Exception {
        tiny = dir.resolve("tiny-llama.gguf");
        try (InputStream in =
                GgufTest.class.getResourceAsStream("/reference/gguf/tiny-llama.gguf")) {
            Files.copy(in, tiny);
        }
        try (InputStream in =
                GgufTest.class.getResourceAsStream("/reference/gguf/gguf-reference.json")) {
            reference =
                    JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .getAsJsonObject()
                            .getAsJsonObject("tiny");
        }
    }

    @Test
    void everyTensorDequantisesAsTheGgufPackageDoes() throws Exception {
        JsonObject expected = reference.getAsJsonObject("dequantised");
        java.util.Set<String> types = new java.util.TreeSet<>();
        try (Gguf gguf = Gguf.open(tiny)) {
            assertEquals(3, gguf.version());
            assertEquals("llama", gguf.metadata().get("general.architecture"));
            assertEquals(expected.size(), gguf.tensors().size());
            for (var e : expected.entrySet()) {
                JsonObject ref = e.getValue().getAsJsonObject();
                WeightTensor t = gguf.read(e.getKey());
                types.add(ref.get("type").getAsString());
                assertEquals(ref.get("count").getAsInt(), t.data().length, e.getKey());
                for (int i = 0; i < 16 && i < t.data().length; i++) {
                    assertEquals(
                            ref.getAsJsonArray("first").get(i).getAsFloat(),
                            t.data()[i],
                            0f,
                            e.getKey() + "[" + i + "]");
                }
                double sum = 0;
                double abs = 0;
                for (float v : t.data()) {
                    sum += v;
                    abs += Math.abs(v);
                }
                assertEquals(
                        ref.get("sum").getAsDouble(), sum, 1e-6 * Math.max(1, abs), e.getKey());
                assertEquals(
                        ref.get("abs_sum").getAsDouble(), abs, 1e-6 * Math.max(1, abs), e.getKey());
            }
        }
        assertEquals(java.util.Set.of("BF16", "F16", "F32", "Q4_0", "Q4_1", "Q8_0"), types);
    }

    @Test
    void aFileThatIsNotGgufOrIsTruncatedIsRefusedClearly() throws Exception {
        byte[] good = Files.readAllBytes(tiny);
        Path notGguf =
                Files.write(
                        dir.resolve("x.gguf"),
                        "PK\u0003\u0004 not a gguf".getBytes(StandardCharsets.UTF_8));
        assertMessage(notGguf, "not a GGUF file");
        for (int cut : new int[] {3, 20, 200, good.length / 2, good.length - 10}) {
            Path truncated =
                    Files.write(dir.resolve("cut-" + cut + ".gguf"), Arrays.copyOf(good, cut));
            ModelException e = assertThrows(ModelException.class, () -> readAll(truncated));
            assertTrue(
                    e.getMessage().contains("truncated") || e.getMessage().contains("past the end"),
                    cut + ": " + e.getMessage());
        }
    }

    @Test
    void absurdCountsAndLengthsAreRefusedBeforeAnythingIsAllocated() throws Exception {
        // magic, version 3, 2^62 tensors, 0 metadata entries
        assertMessage(header(3, 1L << 62, 0), "more than the file can hold");
        // 1 metadata entry whose key claims 2^62 bytes
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Gguf.MAGIC).putInt(3).putLong(0).putLong(1).putLong(1L << 62);
        assertMessage(Files.write(dir.resolve("long-key.gguf"), b.array()), "past its end");
        assertMessage(header(7, 0, 0), "version 7");
    }

    @Test
    void anUnsupportedQuantisationIsNamed() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Gguf.MAGIC).putInt(3).putLong(1).putLong(0);
        byte[] name = "blk.0.attn_q.weight".getBytes(StandardCharsets.UTF_8);
        b.putLong(name.length).put(name).putInt(1).putLong(256).putInt(12).putLong(0); // Q4_K
        assertMessage(
                Files.write(dir.resolve("q4k.gguf"), Arrays.copyOf(b.array(), b.position() + 256)),
                "Q4_K");
    }

    private static Path header(int version, long tensors, long kvs) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Gguf.MAGIC).putInt(version).putLong(tensors).putLong(kvs);
        return Files.write(dir.resolve("h-" + version + "-" + tensors + ".gguf"), b.array());
    }

    private static void assertMessage(Path file, String part) {
        ModelException e = assertThrows(ModelException.class, () -> readAll(file));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    private static void readAll(Path file) throws ModelException {
        try (Gguf g = Gguf.open(file)) {
            for (String name : g.tensors().keySet()) {
                g.read(name);
            }
        }
    }
}
