package dev.hubtune.models.weights;

import dev.hubtune.models.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (llama.cpp's format): header, metadata, tensor infos and tensor data, read without
 * trusting any count in it. Every length, count and offset is checked against the file's size with
 * exact arithmetic before anything is allocated, so a truncated or crafted file gets a clear error
 * instead of an allocation of gigabytes. Tensors are dequantised to float32 from F32, F16, BF16,
 * Q8_0, Q4_0 and Q4_1; other types are named in the error.
 *
 * <p>Shapes are given as PyTorch would ({@code [out, in]}): GGUF lists dimensions innermost first,
 * and its data is laid out row-major in that reversed order.
 */
public final class Gguf implements AutoCloseable {

    /** "GGUF" as a little-endian uint32. */
    static final int MAGIC = 0x46554747;

    private static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 8;

    /**
     * A tensor's entry in the file.
     *
     * @param name llama.cpp's name, e.g. {@code blk.0.attn_q.weight}
     * @param shape PyTorch's order ({@code [out, in]})
     * @param type the ggml type
     * @param offset bytes from the start of the data section
     * @param bytes bytes of data
     */
    public record TensorInfo(String name, long[] shape, Type type, long offset, long bytes) {

        /** Elements. */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    /** ggml's tensor types hubtune reads, and the block layouts that decide their sizes. */
    public enum Type {
        /** float32. */
        F32(0, 1, 4),
        /** float16. */
        F16(1, 1, 2),
        /** 32 weights: an f16 scale and 32 4-bit values, {@code (q - 8)·d}. */
        Q4_0(2, 32, 18),
        /** 32 weights: f16 scale and minimum, 32 4-bit values, {@code q·d + m}. */
        Q4_1(3, 32, 20),
        /** 32 weights: an f16 scale and 32 int8 values, {@code q·d}. */
        Q8_0(8, 32, 34),
        /** bfloat16. */
        BF16(30, 1, 2);

        final int id;
        final int blockElements;
        final int blockBytes;

        Type(int id, int blockElements, int blockBytes) {
            this.id = id;
            this.blockElements = blockElements;
            this.blockBytes = blockBytes;
        }

        static Type of(int id, String tensor) throws ModelException {
            for (Type t : values()) {
                if (t.id == id) {
                    return t;
                }
            }
            throw new ModelException(
                    "tensor "
                            + tensor
                            + " has ggml type "
                            + typeName(id)
                            + ", which hubtune does not read; it reads F32, F16, BF16, Q8_0, Q4_0"
                            + " and Q4_1 (re-quantise with llama.cpp's llama-quantize, or use a"
                            + " safetensors checkpoint)");
        }

        private static String typeName(int id) {
            String[] names = {
                "F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
                "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS",
                "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64",
                "IQ1_M", "BF16"
            };
            return id >= 0 && id < names.length ? names[id] + " (" + id + ")" : "#" + id;
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;

    private Gguf(
            Path file,
            FileChannel channel,
            long size,
            int version,
            Map<String, Object> metadata,
            Map<String, TensorInfo> tensors,
            long dataStart) {
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
    }

    /**
     * Opens {@code file} and reads its header, metadata and tensor infos (not the data).
     *
     * @throws ModelException when it is not a GGUF file, is truncated, or lies about its sizes
     */
    public static Gguf open(Path file) throws ModelException {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            Reader r = new Reader(file, channel);
            if (r.u32() != MAGIC) {
                throw new ModelException(file + " is not a GGUF file (no GGUF magic)");
            }
            int version = r.u32();
            if (version != 2 && version != 3) {
                throw new ModelException(
                        file + " is GGUF version " + version + "; hubtune reads versions 2 and 3");
            }
            long tensorCount = r.count("tensors", 24);
            long kvCount = r.count("metadata entries", 12);
            Map<String, Object> metadata = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = r.string();
                metadata.put(key, r.value(r.u32(), key));
            }
            List<Object[]> infos = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                String name = r.string();
                int dims = r.u32();
                if (dims < 1 || dims > MAX_DIMS) {
                    throw new ModelException(
                            file + ": tensor " + name + " has " + dims + " dimensions");
                }
                long[] ne = new long[dims];
                for (int d = 0; d < dims; d++) {
                    ne[d] = r.u64();
                    if (ne[d] < 1) {
                        throw new ModelException(
                                file + ": tensor " + name + " has a dimension of " + ne[d]);
                    }
                }
                int type = r.u32();
                long offset = r.u64();
                infos.add(new Object[] {name, ne, type, offset});
            }
            long alignment = DEFAULT_ALIGNMENT;
            Object a = metadata.get("general.alignment");
            if (a instanceof Number n) {
                alignment = n.longValue();
                if (alignment < 1 || alignment > 1 << 20 || Long.bitCount(alignment) != 1) {
                    throw new ModelException(
                            file + ": general.alignment " + alignment + " is not a power of two");
                }
            }
            long dataStart =
                    Math.addExact(r.position(), (alignment - r.position() % alignment) % alignment);
            long size = channel.size();
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Object[] info : infos) {
                String name = (String) info[0];
                long[] ne = (long[]) info[1];
                Type type = Type.of((Integer) info[2], name);
                long elements = 1;
                for (long d : ne) {
                    elements = Math.multiplyExact(elements, d);
                }
                if (elements % type.blockElements != 0) {
                    throw new ModelException(
                            file
                                    + ": tensor "
                                    + name
                                    + " has "
                                    + elements
                                    + " elements, not whole "
                                    + type
                                    + " blocks");
                }
                long bytes = Math.multiplyExact(elements / type.blockElements, type.blockBytes);
                long offset = (Long) info[3];
                if (offset < 0 || Math.addExact(Math.addExact(dataStart, offset), bytes) > size) {
                    throw new ModelException(
                            file
                                    + ": tensor "
                                    + name
                                    + " lies past the end of the file ("
                                    + size
                                    + " bytes); the file is truncated or damaged, download it again");
                }
                long[] shape = new long[ne.length];
                for (int d = 0; d < ne.length; d++) {
                    shape[d] = ne[ne.length - 1 - d];
                }
                if (tensors.put(name, new TensorInfo(name, shape, type, offset, bytes)) != null) {
                    throw new ModelException(file + ": tensor " + name + " appears twice");
                }
            }
            return new Gguf(
                    file,
                    channel,
                    size,
                    version,
                    Collections.unmodifiableMap(metadata),
                    Collections.unmodifiableMap(tensors),
                    dataStart);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (ModelException | RuntimeException e) {
            closeQuietly(channel);
            if (e instanceof ArithmeticException) {
                throw new ModelException(
                        file + ": a size in its header overflows; the file is damaged", e);
            }
            throw e;
        }
    }

    /** The file's format version (2 or 3). */
    public int version() {
        return version;
    }

    /**
     * The metadata: strings, numbers (Long for integers, Double for floats), booleans, and lists of
     * those for arrays.
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The tensor infos by name, in file order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Tensor {@code name} dequantised to float32, shape as PyTorch's. */
    public WeightTensor read(String name) throws ModelException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelException(file + " has no tensor " + name);
        }
        long elements = t.elements();
        if (elements > Integer.MAX_VALUE - 8 || t.bytes() > Integer.MAX_VALUE - 8) {
            throw new ModelException(
                    file + ": tensor " + name + " is too large for one Java array");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) t.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        try {
            long at = dataStart + t.offset();
            while (raw.hasRemaining()) {
                if (channel.read(raw, at + raw.position()) < 0) {
                    throw new ModelException(file + " ended inside tensor " + name);
                }
            }
        } catch (IOException e) {
            throw new ModelException(
                    "cannot read " + name + " from " + file + ": " + e.getMessage(), e);
        }
        raw.flip();
        return new WeightTensor(t.shape().clone(), dequantise(raw, t.type(), (int) elements));
    }

    /** Float32 values of {@code count} elements of {@code type} in {@code raw}. */
    static float[] dequantise(ByteBuffer raw, Type type, int count) {
        float[] out = new float[count];
        switch (type) {
            case F32 -> raw.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Safetensors.halfToFloat(raw.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((raw.getShort() & 0xFFFF) << 16);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < count / 32; b++) {
                    float d = Safetensors.halfToFloat(raw.getShort());
                    for (int j = 0; j < 32; j++) {
                        out[b * 32 + j] = raw.get() * d;
                    }
                }
            }
            case Q4_0 -> {
                byte[] qs = new byte[16];
                for (int b = 0; b < count / 32; b++) {
                    float d = Safetensors.halfToFloat(raw.getShort());
                    raw.get(qs);
                    for (int j = 0; j < 16; j++) {
                        // Low nibbles are the block's first 16 weights, high nibbles the next 16.
                        out[b * 32 + j] = ((qs[j] & 0x0F) - 8) * d;
                        out[b * 32 + j + 16] = (((qs[j] >> 4) & 0x0F) - 8) * d;
                    }
                }
            }
            case Q4_1 -> {
                byte[] qs = new byte[16];
                for (int b = 0; b < count / 32; b++) {
                    float d = Safetensors.halfToFloat(raw.getShort());
                    float m = Safetensors.halfToFloat(raw.getShort());
                    raw.get(qs);
                    for (int j = 0; j < 16; j++) {
                        out[b * 32 + j] = (qs[j] & 0x0F) * d + m;
                        out[b * 32 + j + 16] = ((qs[j] >> 4) & 0x0F) * d + m;
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // nothing was written
        }
    }

    /** Sequential little-endian reads with every length checked against the file's size. */
    private static final class Reader {
        private final Path file;
        private final FileChannel channel;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long position;

        Reader(Path file, FileChannel channel) throws IOException {
            this.file = file;
            this.channel = channel;
            this.size = channel.size();
        }

        long position() {
            return position;
        }

        private ByteBuffer fill(int n) throws IOException, ModelException {
            if (position + n > size) {
                throw new ModelException(
                        file + " is truncated: its header ends after " + size + " bytes");
            }
            buf.clear().limit(n);
            while (buf.hasRemaining()) {
                if (channel.read(buf, position + buf.position()) < 0) {
                    throw new ModelException(file + " is truncated");
                }
            }
            position += n;
            return buf.flip();
        }

        int u8() throws IOException, ModelException {
            return fill(1).get() & 0xFF;
        }

        int u16() throws IOException, ModelException {
            return fill(2).getShort() & 0xFFFF;
        }

        int u32() throws IOException, ModelException {
            return fill(4).getInt();
        }

        long u64() throws IOException, ModelException {
            return fill(8).getLong();
        }

        /** A count of items each taking at least {@code minBytes}: it must fit in the file. */
        long count(String what, long minBytes) throws IOException, ModelException {
            long n = u64();
            if (n < 0 || n > (size - position) / Math.max(1, minBytes)) {
                throw new ModelException(
                        file
                                + " claims "
                                + Long.toUnsignedString(n)
                                + " "
                                + what
                                + ", more than the file can hold: it is truncated or damaged");
            }
            return n;
        }

        String string() throws IOException, ModelException {
            long n = u64();
            if (n < 0 || n > size - position || n > Integer.MAX_VALUE - 8) {
                throw new ModelException(
                        file
                                + " claims a string of "
                                + Long.toUnsignedString(n)
                                + " bytes at offset "
                                + position
                                + ", past its end");
            }
            ByteBuffer s = ByteBuffer.allocate((int) n);
            while (s.hasRemaining()) {
                if (channel.read(s, position + s.position()) < 0) {
                    throw new ModelException(file + " is truncated");
                }
            }
            position += n;
            return new String(s.array(), StandardCharsets.UTF_8);
        }

        Object value(int type, String key) throws IOException, ModelException {
            return switch (type) {
                case 0 -> (long) u8();
                case 1 -> (long) (byte) u8();
                case 2 -> (long) u16();
                case 3 -> (long) (short) u16();
                case 4 -> Integer.toUnsignedLong(u32());
                case 5 -> (long) u32();
                case 6 -> (double) Float.intBitsToFloat(u32());
                case 7 -> u8() != 0;
                case 8 -> string();
                case 9 -> array(key);
                case 10, 11 -> u64();
                case 12 -> Double.longBitsToDouble(u64());
                default ->
                        throw new ModelException(
                                file + ": metadata " + key + " has unknown value type " + type);
            };
        }

        private List<Object> array(String key) throws IOException, ModelException {
            int type = u32();
            if (type == 9) {
                throw new ModelException(file + ": metadata " + key + " nests arrays");
            }
            long min =
                    switch (type) {
                        case 0, 1, 7 -> 1;
                        case 2, 3 -> 2;
                        case 4, 5, 6 -> 4;
                        default -> 8; // strings take at least their 8-byte length
                    };
            long n = count("elements in " + key, min);
            List<Object> out = new ArrayList<>((int) Math.min(n, 1 << 20));
            for (long i = 0; i < n; i++) {
                out.add(value(type, key));
            }
            return out;
        }
    }
}
