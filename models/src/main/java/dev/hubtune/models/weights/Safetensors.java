package dev.hubtune.models.weights;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Reads F32, F16 and BF16 (widened to
 * float32) from one file or a sharded set ({@code model.safetensors.index.json}); writes F32.
 * Tensors keep the layout of the file (PyTorch's, for HF models).
 */
public final class Safetensors {

    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    /**
     * Reads {@code model.safetensors}, or the shards listed by {@code
     * model.safetensors.index.json}, in {@code dir}.
     */
    public static Map<String, WeightTensor> readModel(Path dir) throws ModelException {
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) {
            return read(single);
        }
        Path index = dir.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(index)) {
            throw new ModelException(
                    "no model.safetensors or model.safetensors.index.json in " + dir);
        }
        Map<String, WeightTensor> all = new LinkedHashMap<>();
        try {
            JsonObject map =
                    JsonParser.parseString(Files.readString(index))
                            .getAsJsonObject()
                            .getAsJsonObject("weight_map");
            TreeSet<String> shards = new TreeSet<>();
            for (var e : map.entrySet()) {
                shards.add(e.getValue().getAsString());
            }
            for (String shard : shards) {
                Path file = dir.resolve(shard).normalize();
                if (!file.startsWith(dir.normalize()) || !Files.isRegularFile(file)) {
                    throw new ModelException(
                            index + " names shard " + shard + ", which is not a file in " + dir);
                }
                all.putAll(read(file));
            }
            for (String name : map.keySet()) {
                if (!all.containsKey(name)) {
                    throw new ModelException(
                            index + " maps " + name + " to a shard that does not contain it");
                }
            }
        } catch (IOException
                | JsonParseException
                | IllegalStateException
                | NullPointerException e) {
            throw new ModelException(index + " is not a safetensors index: " + e.getMessage(), e);
        }
        return all;
    }

    /** Reads every tensor of one file, widened to float32. */
    public static Map<String, WeightTensor> read(Path file) throws ModelException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(lenBuf, 0) != 8) {
                throw new ModelException(file + " is too short to be a safetensors file");
            }
            long headerLength = lenBuf.getLong(0);
            if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > ch.size()) {
                throw new ModelException(
                        file + " is not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            ch.read(header, 8);
            JsonObject json =
                    JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8))
                            .getAsJsonObject();
            long dataStart = 8 + headerLength;
            long dataLength = ch.size() - dataStart;
            Map<String, WeightTensor> out = new LinkedHashMap<>();
            for (var e : json.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonObject t = e.getValue().getAsJsonObject();
                String dtype = t.get("dtype").getAsString();
                long[] shape = new long[t.getAsJsonArray("shape").size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.getAsJsonArray("shape").get(i).getAsLong();
                    // Exact arithmetic: [-512, -128] or [2^62 + 1, 4] must not pass as a small
                    // product that matches the byte range.
                    if (shape[i] < 0) {
                        throw new ModelException(
                                file
                                        + ": tensor "
                                        + e.getKey()
                                        + " has a negative dimension in its shape "
                                        + t.get("shape")
                                        + "; the file is corrupt");
                    }
                    try {
                        count = Math.multiplyExact(count, shape[i]);
                    } catch (ArithmeticException overflow) {
                        throw new ModelException(
                                file
                                        + ": tensor "
                                        + e.getKey()
                                        + " has a shape "
                                        + t.get("shape")
                                        + " too large for any file; the file is corrupt");
                    }
                }
                long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
                long end = t.getAsJsonArray("data_offsets").get(1).getAsLong();
                int width =
                        switch (dtype) {
                            case "F32" -> 4;
                            case "F16", "BF16" -> 2;
                            default ->
                                    throw new ModelException(
                                            file
                                                    + ": tensor "
                                                    + e.getKey()
                                                    + " has dtype "
                                                    + dtype
                                                    + "; hubtune reads F32, F16 and BF16 weights");
                        };
                if (begin < 0
                        || end < begin
                        || end > dataLength
                        || count > Long.MAX_VALUE / width
                        || end - begin != count * width) {
                    throw new ModelException(
                            file
                                    + ": tensor "
                                    + e.getKey()
                                    + " has byte range ["
                                    + begin
                                    + ", "
                                    + end
                                    + ") that does not fit its shape or the file; the file is truncated or corrupt");
                }
                if (count > Integer.MAX_VALUE) {
                    throw new ModelException(
                            file + ": tensor " + e.getKey() + " has more than 2^31 values");
                }
                ByteBuffer raw =
                        ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, end - begin)
                                .order(ByteOrder.LITTLE_ENDIAN);
                out.put(e.getKey(), new WeightTensor(shape, decode(raw, dtype, (int) count)));
            }
            return out;
        } catch (IOException
                | JsonParseException
                | IllegalStateException
                | NullPointerException
                // a header field of the wrong JSON type or a number that is not a whole one
                | UnsupportedOperationException
                | ClassCastException
                | NumberFormatException
                | IndexOutOfBoundsException e) {
            throw new ModelException(
                    file + " is not a readable safetensors file: " + e.getMessage(), e);
        }
    }

    private static float[] decode(ByteBuffer raw, String dtype, int count) {
        float[] data = new float[count];
        switch (dtype) {
            case "F32" -> raw.asFloatBuffer().get(data);
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    data[i] = halfToFloat(raw.getShort(i * 2));
                }
            }
            default -> { // BF16: the upper half of a float32
                for (int i = 0; i < count; i++) {
                    data[i] = Float.intBitsToFloat((raw.getShort(i * 2) & 0xffff) << 16);
                }
            }
        }
        return data;
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal: value = mantissa * 2^-24
            float v = mantissa * 0x1.0p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Writes float32 tensors (sorted by name) with optional string metadata, atomically. */
    public static void write(
            Path file, Map<String, WeightTensor> tensors, Map<String, String> metadata)
            throws IOException {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        Map<String, WeightTensor> sorted = new java.util.TreeMap<>(tensors);
        for (var e : sorted.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", "F32");
            com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            com.google.gson.JsonArray offsets = new com.google.gson.JsonArray();
            offsets.add(offset);
            offset += 4L * e.getValue().data().length;
            offsets.add(offset);
            t.add("data_offsets", offsets);
            header.add(e.getKey(), t);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded =
                (json.length + 7)
                        / 8
                        * 8; // keep the data 8-byte aligned, as the reference writer does
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try (OutputStream out =
                new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            ByteBuffer len =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (WeightTensor t : sorted.values()) {
                for (float f : t.data()) {
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    chunk.putFloat(f);
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
