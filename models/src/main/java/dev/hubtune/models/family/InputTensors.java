package dev.hubtune.models.family;

import dev.hubtune.tokenizers.Batch;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TInt32;

/**
 * A padded batch as the int32 tensors a backbone's placeholders take, built straight from the
 * batch's arrays (no per-token boxing). Close it after the run.
 */
public final class InputTensors implements AutoCloseable {

    private final TInt32 ids;
    private final TInt32 mask;
    private final TInt32 types;

    private InputTensors(Batch batch) {
        Shape shape = Shape.of(batch.batchSize(), batch.length());
        ids = TInt32.tensorOf(shape, DataBuffers.of(batch.inputIds(), true, false));
        mask = TInt32.tensorOf(shape, DataBuffers.of(batch.attentionMask(), true, false));
        types = TInt32.tensorOf(shape, DataBuffers.of(batch.typeIds(), true, false));
    }

    /** The tensors of {@code batch}. */
    public static InputTensors of(Batch batch) {
        return new InputTensors(batch);
    }

    /** Feeds the inputs {@code inputs} has (ids always; mask and types where it takes them). */
    public Session.Runner feed(Session.Runner runner, BackboneInputs inputs) {
        runner.feed(inputs.inputIds(), ids);
        if (inputs.attentionMask() != null) {
            runner.feed(inputs.attentionMask(), mask);
        }
        if (inputs.tokenTypeIds() != null) {
            runner.feed(inputs.tokenTypeIds(), types);
        }
        return runner;
    }

    @Override
    public void close() {
        ids.close();
        mask.close();
        types.close();
    }
}
