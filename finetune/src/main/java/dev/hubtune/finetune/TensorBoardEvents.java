package dev.hubtune.finetune;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/**
 * Reads the scalars back from a directory of TensorBoard event files: TFRecord framing (length u64,
 * masked CRC-32C of the length, the record, masked CRC-32C of the record) around {@link Event}
 * protos, read independently of the TensorFlow code that wrote them.
 */
final class TensorBoardEvents {

    /** One logged value. */
    record Scalar(String tag, long step, float value, Path file) {}

    private TensorBoardEvents() {}

    /**
     * Every scalar of every {@code events.out.tfevents.*} file in {@code dir}, files in name order
     * (which is creation order: the name starts with the creation time). A record cut short at the
     * end of a file (a process killed while writing) ends that file; a record with a wrong checksum
     * is an error.
     */
    static List<Scalar> read(Path dir) throws IOException {
        List<Scalar> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files =
                    s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents."))
                            .sorted()
                            .toList();
        }
        for (Path f : files) {
            for (byte[] record : records(f)) {
                Event e;
                try {
                    e = Event.parseFrom(record);
                } catch (InvalidProtocolBufferException ex) {
                    throw new IOException(f + " holds a record that is not an Event: " + ex, ex);
                }
                if (!e.hasSummary()) {
                    continue; // the file_version event each file starts with
                }
                for (Summary.Value v : e.getSummary().getValueList()) {
                    if (v.getValueCase() == Summary.Value.ValueCase.SIMPLE_VALUE) {
                        out.add(new Scalar(v.getTag(), e.getStep(), v.getSimpleValue(), f));
                    }
                }
            }
        }
        return out;
    }

    /** Deletes the event files in {@code dir} (the directory and anything else in it stay). */
    static void deleteEventFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                if (f.getFileName().toString().startsWith("events.out.tfevents.")) {
                    Files.delete(f);
                }
            }
        }
    }

    /**
     * An evaluation's metrics.jsonl columns as TensorBoard scalars: numbers under {@code
     * prefix/name}, nested maps (per entity type) under {@code prefix/name/key/…}, per-class arrays
     * under {@code prefix/name/<class name>} (or {@code class_i} when {@code classNames} does not
     * name them all); matrices (a confusion matrix) are not scalars and stay out.
     */
    static Map<String, Double> scalars(
            String prefix, Map<String, ?> columns, List<String> classNames) {
        Map<String, Double> out = new LinkedHashMap<>();
        columns.forEach((k, v) -> flatten(prefix + "/" + k, v, classNames, out));
        return out;
    }

    /** The same with per-class values under their indices. */
    static Map<String, Double> scalars(String prefix, Map<String, ?> columns) {
        return scalars(prefix, columns, List.of());
    }

    private static void flatten(
            String tag, Object v, List<String> classNames, Map<String, Double> out) {
        if (v instanceof Number n) {
            out.put(tag, n.doubleValue());
        } else if (v instanceof double[] a) {
            boolean named = classNames.size() == a.length;
            for (int i = 0; i < a.length; i++) {
                out.put(tag + "/" + (named ? tagName(classNames.get(i)) : "class_" + i), a[i]);
            }
        } else if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> flatten(tag + "/" + k, x, classNames, out));
        }
    }

    /** A class name as a tag path element: TensorBoard splits tags at '/'. */
    private static String tagName(String name) {
        String t = name.replace('/', '_').strip();
        return t.isEmpty() ? "_" : t;
    }

    /** The TFRecord payloads of {@code file}. */
    static List<byte[]> records(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> out = new ArrayList<>();
        while (b.remaining() >= 12) {
            int at = b.position();
            long length = b.getLong();
            int lengthCrc = b.getInt();
            if (lengthCrc != masked(b.array(), at, 8)) {
                throw new IOException(file + ": bad length checksum at byte " + at);
            }
            if (length < 0 || b.remaining() < length + 4) {
                break; // cut short by a kill
            }
            byte[] data = new byte[(int) length];
            b.get(data);
            if (b.getInt() != masked(data, 0, data.length)) {
                throw new IOException(file + ": bad record checksum at byte " + at);
            }
            out.add(data);
        }
        return out;
    }

    /** TFRecord's masked CRC-32C: rotate right by 15 bits, add 0xa282ead8. */
    private static int masked(byte[] data, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(data, off, len);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }
}
