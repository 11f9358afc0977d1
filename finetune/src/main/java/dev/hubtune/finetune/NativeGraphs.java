package dev.hubtune.finetune;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Buffer;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_ImportGraphDefOptions;
import org.tensorflow.internal.c_api.TF_ImportGraphDefResults;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Server;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.ServerDef;

/**
 * What data parallelism needs from TensorFlow's C API that TF Java 1.1.0 does not offer publicly:
 * importing a GraphDef with its inputs mapped to tensors already in the graph (how towers share
 * variables and read their slice of the batch), sessions on a {@code grpc://} target (TF Java never
 * calls {@code TF_SetTarget}) and gRPC servers. TF Java keeps a graph's native handle and its
 * session constructor package-private, so they are reached by reflection (on the class path, where
 * hubtune runs).
 */
final class NativeGraphs {

    private NativeGraphs() {}

    /**
     * Imports {@code def} into {@code graph} with every node name prefixed by {@code prefix + "/"},
     * each input {@code name:index} of {@code inputs} replaced by the given output of {@code
     * graph}.
     */
    static void importMapped(
            Graph graph, GraphDef def, String prefix, Map<String, Output<?>> inputs) {
        try (GraphHandle h = new GraphHandle(graph);
                PointerScope scope = new PointerScope()) {
            TF_Status status = TF_Status.newStatus();
            TF_ImportGraphDefOptions options = tensorflow.TF_NewImportGraphDefOptions();
            try {
                tensorflow.TF_ImportGraphDefOptionsSetPrefix(options, prefix);
                for (Map.Entry<String, Output<?>> e : inputs.entrySet()) {
                    String src = e.getKey();
                    int colon = src.lastIndexOf(':');
                    String name = colon < 0 ? src : src.substring(0, colon);
                    int index = colon < 0 ? 0 : Integer.parseInt(src.substring(colon + 1));
                    Output<?> dst = e.getValue();
                    TF_Operation op = tensorflow.TF_GraphOperationByName(h.handle, dst.op().name());
                    if (op == null || op.isNull()) {
                        throw new IllegalStateException("no operation " + dst.op().name());
                    }
                    TF_Output out = new TF_Output().oper(op).index(dst.index());
                    tensorflow.TF_ImportGraphDefOptionsAddInputMapping(options, name, index, out);
                }
                byte[] bytes = def.toByteArray();
                BytePointer data = new BytePointer(bytes);
                TF_Buffer buffer = tensorflow.TF_NewBufferFromString(data, bytes.length);
                TF_ImportGraphDefResults results =
                        tensorflow.TF_GraphImportGraphDefWithResults(
                                h.handle, buffer, options, status);
                check(status, "importing tower " + prefix);
                tensorflow.TF_DeleteImportGraphDefResults(results);
                tensorflow.TF_DeleteBuffer(buffer);
            } finally {
                tensorflow.TF_DeleteImportGraphDefOptions(options);
            }
        }
    }

    /** A session on {@code graph} whose master is {@code target} (e.g. grpc://10.0.0.5:2222). */
    static Session remoteSession(Graph graph, String target, ConfigProto config) {
        try (GraphHandle h = new GraphHandle(graph);
                PointerScope scope = new PointerScope()) {
            TF_Status status = TF_Status.newStatus();
            TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
            tensorflow.TF_SetTarget(options, target);
            byte[] bytes = config.toByteArray();
            BytePointer b = new BytePointer(bytes);
            tensorflow.TF_SetConfig(options, b, bytes.length, status);
            check(status, "session config");
            TF_Session session = TF_Session.newSession(h.handle, options, status);
            check(status, "connecting to " + target);
            Constructor<Session> c =
                    Session.class.getDeclaredConstructor(Graph.class, TF_Session.class);
            c.setAccessible(true);
            return c.newInstance(graph, session.retainReference());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot open a session on " + target + ": " + rootMessage(e), e);
        }
    }

    /**
     * Creates and starts the gRPC server of one task ({@code TF_NewServer}); it serves until the
     * process ends (TensorFlow cannot stop a started server).
     */
    static TF_Server startServer(ServerDef def) {
        byte[] bytes = def.toByteArray();
        TF_Status status = TF_Status.newStatus();
        TF_Server server = tensorflow.TF_NewServer(new BytePointer(bytes), bytes.length, status);
        check(status, "TF_NewServer");
        tensorflow.TF_ServerStart(server, status);
        check(status, "TF_ServerStart");
        return server;
    }

    /** Blocks while {@code server} serves. */
    static void join(TF_Server server) {
        TF_Status status = TF_Status.newStatus();
        tensorflow.TF_ServerJoin(server, status);
        check(status, "TF_ServerJoin");
    }

    private static void check(TF_Status status, String what) {
        if (tensorflow.TF_GetCode(status) != tensorflow.TF_OK) {
            BytePointer m = tensorflow.TF_Message(status);
            throw new IllegalStateException(what + ": " + (m == null ? "" : m.getString()));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /** The native handle of a graph, held (so the graph cannot close) while in use. */
    private static final class GraphHandle implements AutoCloseable {
        private final AutoCloseable reference;
        final TF_Graph handle;

        GraphHandle(Graph graph) {
            try {
                Method ref = Graph.class.getDeclaredMethod("ref");
                ref.setAccessible(true);
                Object r = ref.invoke(graph);
                Method native_ = r.getClass().getDeclaredMethod("nativeHandle");
                native_.setAccessible(true);
                this.reference = (AutoCloseable) r;
                this.handle = (TF_Graph) native_.invoke(r);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException(
                        "cannot reach TensorFlow's graph handle (TF Java "
                                + Graph.class.getPackage().getImplementationVersion()
                                + "; hubtune needs it on the class path, not the module path): "
                                + rootMessage(e),
                        e);
            }
        }

        @Override
        public void close() {
            try {
                reference.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot release the graph", e);
            }
        }
    }
}
