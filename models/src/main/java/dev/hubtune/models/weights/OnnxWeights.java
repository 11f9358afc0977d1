package dev.hubtune.models.weights;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.hubtune.models.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the float initializers of an ONNX model (the protobuf {@code ModelProto.graph.initializer}
 * list) with protobuf's wire reader, and names them as the Hugging Face parameters they are.
 *
 * <p>Exporters keep HF names for most initializers but give the weights of linear layers anonymous
 * names ({@code onnx::MatMul_787}), stored {@code [in, out]}; the node that consumes them keeps the
 * module path ({@code /encoder/layer.0/attention/self/query/MatMul}), which is how they are mapped
 * back to {@code encoder.layer.0.attention.self.query.weight}.
 */
public final class OnnxWeights {

    private static final int FLOAT = 1;
    private static final Pattern MATMUL_NODE = Pattern.compile("^/(.+)/MatMul$");

    private record Node(String name, String op, List<String> inputs) {}

    private OnnxWeights() {}

    /** The model's float initializers under HF parameter names, dense kernels as [in, out]. */
    public static Map<String, WeightTensor> read(Path onnx) throws ModelException {
        ByteBuffer bytes;
        try (FileChannel ch = FileChannel.open(onnx, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new ModelException(
                        onnx
                                + " is larger than 2 GB; external-data ONNX files are not supported yet");
            }
            bytes = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        } catch (IOException e) {
            throw new ModelException("cannot read " + onnx + ": " + e.getMessage(), e);
        }
        Map<String, WeightTensor> initializers = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        try {
            CodedInputStream model = CodedInputStream.newInstance(bytes);
            model.setSizeLimit(Integer.MAX_VALUE);
            boolean sawGraph = false;
            int tag;
            while ((tag = model.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(tag) == 7) { // ModelProto.graph
                    sawGraph = true;
                    int limit = model.pushLimit(model.readRawVarint32());
                    readGraph(model, initializers, nodes);
                    model.popLimit(limit);
                } else {
                    model.skipField(tag);
                }
            }
            if (!sawGraph) {
                throw new ModelException(onnx + " is not an ONNX model: it has no graph");
            }
        } catch (IOException e) {
            throw new ModelException(
                    onnx + " is not a readable ONNX protobuf: " + e.getMessage(), e);
        }
        return nameKernels(initializers, nodes);
    }

    private static void readGraph(
            CodedInputStream in, Map<String, WeightTensor> out, List<Node> nodes)
            throws IOException {
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 5) { // GraphProto.initializer (TensorProto)
                int limit = in.pushLimit(in.readRawVarint32());
                readTensor(in, out);
                in.popLimit(limit);
            } else if (field == 1) { // GraphProto.node (NodeProto)
                int limit = in.pushLimit(in.readRawVarint32());
                nodes.add(readNode(in));
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
    }

    private static Node readNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        String name = "";
        String op = "";
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(in.readString());
                case 3 -> name = in.readString();
                case 4 -> op = in.readString();
                default -> in.skipField(tag);
            }
        }
        return new Node(name, op, inputs);
    }

    private static void readTensor(CodedInputStream in, Map<String, WeightTensor> out)
            throws IOException {
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = "";
        ByteBuffer raw = null;
        List<Float> floats = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> {
                    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            dims.add(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        dims.add(in.readInt64());
                    }
                }
                case 2 -> type = in.readInt32();
                case 8 -> name = in.readString();
                case 9 -> raw = in.readByteBuffer();
                case 4 -> {
                    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            floats.add(in.readFloat());
                        }
                        in.popLimit(limit);
                    } else {
                        floats.add(in.readFloat());
                    }
                }
                default -> in.skipField(tag);
            }
        }
        if (type != FLOAT) {
            return; // position_ids and other int64 constants are not parameters
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        float[] data;
        if (raw != null) {
            data = new float[raw.remaining() / 4];
            raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        } else {
            data = new float[floats.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = floats.get(i);
            }
        }
        // Exact, non-negative arithmetic, as for safetensors: the values must be what the shape
        // says.
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IOException("initializer " + name + " has a negative dimension");
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException overflow) {
                throw new IOException(
                        "initializer " + name + " has a shape too large for any file");
            }
        }
        if ((raw != null && raw.remaining() % 4 != 0) || count != data.length) {
            throw new IOException(
                    "initializer "
                            + name
                            + " of shape "
                            + java.util.Arrays.toString(shape)
                            + " holds "
                            + (raw != null ? raw.remaining() + " bytes" : data.length + " values")
                            + "; the file is damaged");
        }
        out.put(name, new WeightTensor(shape, data));
    }

    private static Map<String, WeightTensor> nameKernels(
            Map<String, WeightTensor> initializers, List<Node> nodes) {
        Map<String, WeightTensor> named = new LinkedHashMap<>();
        Map<String, String> kernelNames = new LinkedHashMap<>();
        for (Node n : nodes) {
            Matcher m = MATMUL_NODE.matcher(n.name());
            if (n.op().equals("MatMul")
                    && m.matches()
                    && n.inputs().size() == 2
                    && initializers.containsKey(n.inputs().get(1))) {
                // "/encoder/layer.0/attention/self/query/MatMul" ->
                // "encoder.layer.0.attention.self.query.weight"
                kernelNames.put(n.inputs().get(1), m.group(1).replace('/', '.') + ".weight");
            }
        }
        for (var e : initializers.entrySet()) {
            named.put(kernelNames.getOrDefault(e.getKey(), e.getKey()), e.getValue());
        }
        return named;
    }
}
