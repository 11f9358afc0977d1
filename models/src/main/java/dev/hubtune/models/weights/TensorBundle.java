package dev.hubtune.models.weights;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.hubtune.models.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads TensorFlow's tensor-bundle format, used by TF checkpoints ({@code model.ckpt.index} +
 * {@code model.ckpt.data-00000-of-00001}) and by a SavedModel's {@code variables/}.
 *
 * <p>The {@code .index} file is a LevelDB-style SSTable: a footer pointing to an index block, whose
 * entries point to data blocks; each data block holds prefix-compressed keys (tensor names, sorted)
 * and values that are {@code BundleEntryProto} messages (dtype, shape, shard, offset, size, masked
 * CRC32C). The tensors' bytes are little-endian in the {@code .data-NNNNN-of-MMMMM} shards. Every
 * tensor's checksum is verified, so a damaged download fails here with its name rather than as
 * wrong predictions later.
 */
public final class TensorBundle {

    private static final Logger LOG = LoggerFactory.getLogger(TensorBundle.class);

    private static final long TABLE_MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER_LENGTH = 48;
    private static final int BLOCK_TRAILER = 5;
    private static final int DT_FLOAT = 1;
    private static final int DT_HALF = 19;
    private static final int DT_BFLOAT16 = 14;

    /** One tensor's entry in the index. */
    private record Entry(int dtype, long[] shape, int shard, long offset, long size, int crc) {}

    private TensorBundle() {}

    /**
     * Reads every floating-point tensor of the bundle whose index file is {@code index} (for
     * example {@code variables/variables.index}), widened to float32, under the bundle's names.
     * Tensors of other types (step counters, strings) are skipped.
     */
    public static Map<String, WeightTensor> read(Path index) throws ModelException {
        String file = index.getFileName().toString();
        if (!file.endsWith(".index")) {
            throw new ModelException(index + " is not a tensor-bundle index (expected *.index)");
        }
        String prefix = file.substring(0, file.length() - ".index".length());
        Map<String, Entry> entries = readIndex(index);
        int shards = 1;
        for (Entry e : entries.values()) {
            shards = Math.max(shards, e.shard() + 1);
        }
        Map<Integer, FileChannel> open = new HashMap<>();
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        try {
            for (var e : entries.entrySet()) {
                Entry entry = e.getValue();
                if (entry.dtype() != DT_FLOAT
                        && entry.dtype() != DT_HALF
                        && entry.dtype() != DT_BFLOAT16) {
                    skipped.add(e.getKey());
                    continue;
                }
                FileChannel ch = open.get(entry.shard());
                if (ch == null) {
                    Path data =
                            index.resolveSibling(
                                    String.format(
                                            "%s.data-%05d-of-%05d", prefix, entry.shard(), shards));
                    if (!Files.isRegularFile(data)) {
                        throw new ModelException(
                                index
                                        + " refers to the data shard "
                                        + data.getFileName()
                                        + ", which is missing; download the whole checkpoint");
                    }
                    ch = FileChannel.open(data, StandardOpenOption.READ);
                    open.put(entry.shard(), ch);
                }
                out.put(e.getKey(), readTensor(index, e.getKey(), entry, ch));
            }
        } catch (IOException e) {
            throw new ModelException("cannot read the data of " + index + ": " + e.getMessage(), e);
        } finally {
            for (FileChannel ch : open.values()) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // read-only channel: nothing to lose
                }
            }
        }
        if (!skipped.isEmpty()) {
            LOG.debug("Skipped non-float tensors of {}: {}", index, skipped);
        }
        return out;
    }

    /** The names, types and shapes in the bundle, without reading the data. */
    public static Map<String, long[]> shapes(Path index) throws ModelException {
        Map<String, long[]> out = new LinkedHashMap<>();
        readIndex(index).forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    private static WeightTensor readTensor(Path index, String name, Entry e, FileChannel ch)
            throws IOException, ModelException {
        // Exact, non-negative arithmetic: a shape such as [-2, -2] or [2^62 + 1, 4] must not pass
        // as a small product that matches the byte count.
        long n = 1;
        for (long d : e.shape()) {
            if (d < 0) {
                throw new ModelException(
                        index + ": tensor " + name + " has a negative dimension; it is corrupt");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException overflow) {
                throw new ModelException(
                        index + ": tensor " + name + " has a shape too large for any file");
            }
        }
        int width = e.dtype() == DT_FLOAT ? 4 : 2;
        if (n > Integer.MAX_VALUE) {
            throw new ModelException(index + ": tensor " + name + " has more than 2^31 values");
        }
        if (n * width != e.size() || e.size() > Integer.MAX_VALUE) {
            throw new ModelException(
                    index
                            + ": tensor "
                            + name
                            + " of shape "
                            + Arrays.toString(e.shape())
                            + " claims "
                            + e.size()
                            + " bytes; the checkpoint is damaged");
        }
        if (e.offset() < 0 || e.size() < 0 || e.offset() + e.size() > ch.size()) {
            throw new ModelException(
                    index
                            + ": tensor "
                            + name
                            + " ends beyond its data shard ("
                            + ch.size()
                            + " bytes); the download is incomplete, pull the model again");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) e.size());
        while (buf.hasRemaining()) {
            if (ch.read(buf, e.offset() + buf.position()) < 0) {
                throw new IOException("unexpected end of data shard");
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.capacity());
        if (mask((int) crc.getValue()) != e.crc()) {
            throw new ModelException(
                    index
                            + ": checksum mismatch in tensor "
                            + name
                            + "; the data shard is damaged, pull the model again");
        }
        buf.flip().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[(int) n];
        if (e.dtype() == DT_FLOAT) {
            buf.asFloatBuffer().get(values);
        } else {
            for (int i = 0; i < values.length; i++) {
                int bits = buf.getShort() & 0xffff;
                values[i] =
                        e.dtype() == DT_HALF
                                ? Safetensors.halfToFloat((short) bits)
                                : Float.intBitsToFloat(bits << 16);
            }
        }
        return new WeightTensor(e.shape(), values);
    }

    /** LevelDB's CRC masking, which TF applies to stored checksums. */
    private static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static Map<String, Entry> readIndex(Path index) throws ModelException {
        ByteBuffer table;
        try {
            table = ByteBuffer.wrap(Files.readAllBytes(index)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelException("cannot read " + index + ": " + e.getMessage(), e);
        }
        try {
            if (table.capacity() < FOOTER_LENGTH
                    || table.getLong(table.capacity() - 8) != TABLE_MAGIC) {
                throw new ModelException(
                        index + " is not a TensorFlow checkpoint index (no SSTable footer)");
            }
            ByteBuffer footer = table.duplicate().position(table.capacity() - FOOTER_LENGTH);
            footer.order(ByteOrder.LITTLE_ENDIAN);
            readVarint(footer); // metaindex offset
            readVarint(footer); // metaindex size
            long indexOffset = readVarint(footer);
            long indexSize = readVarint(footer);
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (byte[][] kv : block(table, indexOffset, indexSize, index)) {
                ByteBuffer handle = ByteBuffer.wrap(kv[1]);
                long offset = readVarint(handle);
                long size = readVarint(handle);
                for (byte[][] entry : block(table, offset, size, index)) {
                    String name = new String(entry[0], StandardCharsets.UTF_8);
                    if (!name.isEmpty()) { // "" is the BundleHeaderProto
                        entries.put(name, parseEntry(entry[1]));
                    }
                }
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            throw new ModelException(
                    index + " is not a readable TensorFlow checkpoint index: " + e.getMessage(), e);
        }
    }

    /** The key/value pairs of one block (keys share prefixes with their predecessor). */
    private static List<byte[][]> block(ByteBuffer table, long offset, long size, Path index)
            throws ModelException {
        if (offset < 0
                || size < 4
                || size > table.capacity()
                || offset + size + BLOCK_TRAILER > table.capacity()) {
            throw new ModelException(index + " has a block outside the file; it is truncated");
        }
        if (table.get((int) (offset + size)) != 0) {
            throw new ModelException(
                    index + " uses a compressed block; only uncompressed indexes (TF's) are read");
        }
        ByteBuffer b = table.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int restarts = b.getInt((int) (offset + size - 4));
        long endOfEntries = offset + size - 4 - 4L * restarts;
        if (restarts < 0 || endOfEntries < offset) {
            throw new ModelException(index + " has a damaged block (its restart points)");
        }
        int end = (int) endOfEntries;
        b.position((int) offset);
        List<byte[][]> out = new ArrayList<>();
        byte[] last = new byte[0];
        while (b.position() < end) {
            long shared = readVarint(b);
            long unshared = readVarint(b);
            long valueLength = readVarint(b);
            // Every length is checked against what the block holds before anything is allocated.
            if (shared < 0
                    || shared > last.length
                    || unshared < 0
                    || valueLength < 0
                    || unshared + valueLength > end - b.position()) {
                throw new ModelException(
                        index + " has a damaged block entry (lengths beyond the block)");
            }
            byte[] key = Arrays.copyOf(last, (int) (shared + unshared));
            b.get(key, (int) shared, (int) unshared);
            byte[] value = new byte[(int) valueLength];
            b.get(value);
            out.add(new byte[][] {key, value});
            last = key;
        }
        return out;
    }

    private static Entry parseEntry(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        int dtype = 0;
        int shard = 0;
        long offset = 0;
        long size = 0;
        int crc = 0;
        List<Long> dims = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> dtype = in.readEnum();
                case 2 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    int t;
                    while ((t = in.readTag()) != 0) {
                        if (WireFormat.getTagFieldNumber(t) == 2) { // TensorShapeProto.dim
                            int dimLimit = in.pushLimit(in.readRawVarint32());
                            long dimSize = 0;
                            int d;
                            while ((d = in.readTag()) != 0) {
                                if (WireFormat.getTagFieldNumber(d) == 1) {
                                    dimSize = in.readInt64();
                                } else {
                                    in.skipField(d);
                                }
                            }
                            dims.add(dimSize);
                            in.popLimit(dimLimit);
                        } else {
                            in.skipField(t);
                        }
                    }
                    in.popLimit(limit);
                }
                case 3 -> shard = in.readInt32();
                case 4 -> offset = in.readInt64();
                case 5 -> size = in.readInt64();
                case 6 -> crc = in.readFixed32();
                case 7 ->
                        throw new IOException(
                                "partitioned (sliced) variables are not supported; export the"
                                        + " checkpoint without partitioning");
                default -> in.skipField(tag);
            }
        }
        return new Entry(
                dtype,
                dims.stream().mapToLong(Long::longValue).toArray(),
                shard,
                offset,
                size,
                crc);
    }

    private static long readVarint(ByteBuffer b) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b.get();
            result |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalStateException("malformed varint");
    }
}
