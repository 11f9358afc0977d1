package dev.hubtune.finetune;

import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.TensorFlowUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Scalars for TensorBoard, written by TensorFlow's own summary ops ({@code SummaryWriter}, {@code
 * CreateSummaryFileWriter}, {@code WriteScalarSummary}, {@code FlushSummaryWriter}) into {@code
 * events.out.tfevents.*} files of one directory.
 *
 * <p>The ops live in a small graph and session of their own, so the training graph (and so the
 * numbers a run computes, and what a checkpoint restores) is untouched by logging.
 *
 * <p>A directory may already hold the events of an earlier process of the same run (killed, then
 * resumed): each tag is then written only at steps past the last one already on disk for it, so the
 * curves continue without a step twice (each process still writes its own file, as TensorFlow
 * does).
 */
final class TensorBoardWriter implements AutoCloseable {

    private final Graph graph;
    private final Session session;
    private final Operand<TInt64> step;
    private final Operand<TString> tag;
    private final Operand<TFloat32> value;
    private final Op write;
    private final Op flush;
    private final Op close;
    private final Map<String, Long> lastStep;
    private boolean closed;

    private TensorBoardWriter(Path dir, Map<String, Long> lastStep) {
        this.lastStep = new HashMap<>(lastStep);
        graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            // A unique shared name: the writer resource is per process, and two runs in one JVM
            // (tests, a notebook) must not share one writer.
            SummaryWriter writer =
                    tf.summary.summaryWriter(
                            SummaryWriter.sharedName("hubtune-tb-" + UUID.randomUUID()));
            Op create =
                    tf.summary.createSummaryFileWriter(
                            writer,
                            tf.constant(dir.toAbsolutePath().toString()),
                            tf.constant(100), // max queue: events buffered before a flush
                            tf.constant(60_000), // and at most a minute between flushes
                            tf.constant(".v2"));
            step = tf.placeholder(TInt64.class);
            tag = tf.placeholder(TString.class);
            value = tf.placeholder(TFloat32.class);
            write = tf.summary.writeScalarSummary(writer, step, tag, value);
            flush = tf.summary.flushSummaryWriter(writer);
            close = tf.summary.closeSummaryWriter(writer);
            session = new Session(graph);
            session.runner().addTarget(create).run();
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /**
     * Opens a writer on {@code dir} (created if missing) that continues the events already there.
     *
     * @throws IOException if the directory cannot be created or its event files read
     * @throws TensorFlowUnavailableException if TensorFlow's natives cannot load
     */
    static TensorBoardWriter open(Path dir) throws IOException, TensorFlowUnavailableException {
        TensorFlowRuntime.load();
        Files.createDirectories(dir);
        Map<String, Long> last = new LinkedHashMap<>();
        for (TensorBoardEvents.Scalar s : TensorBoardEvents.read(dir)) {
            last.merge(s.tag(), s.step(), Math::max);
        }
        return new TensorBoardWriter(dir, last);
    }

    /**
     * Queues {@code tag = v} at {@code step}, unless the directory has it at this step or later.
     */
    void scalar(String name, long at, double v) {
        Long seen = lastStep.get(name);
        if (seen != null && at <= seen) {
            return;
        }
        lastStep.put(name, at);
        try (TInt64 st = TInt64.scalarOf(at);
                TString t = TString.scalarOf(name);
                TFloat32 val = TFloat32.scalarOf((float) v)) {
            session.runner().feed(step, st).feed(tag, t).feed(value, val).addTarget(write).run();
        }
    }

    /** Writes everything queued to disk. */
    void flush() {
        session.runner().addTarget(flush).run();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.runner().addTarget(close).run();
        } finally {
            session.close();
            graph.close();
        }
    }
}
