package dev.hubtune.models.bert;

import dev.hubtune.tokenizers.Batch;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TInt32;

/**
 * A padded batch as the three int32 tensors BERT's placeholders take, built straight from the
 * batch's arrays (no per-token boxing). Close it after the run.
 */
public final class BertInputs implements AutoCloseable {

    private final TInt32 ids;
    private final TInt32 mask;
    private final TInt32 types;

    private BertInputs(Batch batch) {
        Shape shape = Shape.of(batch.batchSize(), batch.length());
        ids = TInt32.tensorOf(shape, DataBuffers.of(batch.inputIds(), true, false));
        mask = TInt32.tensorOf(shape, DataBuffers.of(batch.attentionMask(), true, false));
        types = TInt32.tensorOf(shape, DataBuffers.of(batch.typeIds(), true, false));
    }

    /** The tensors of {@code batch}. */
    public static BertInputs of(Batch batch) {
        return new BertInputs(batch);
    }

    /** Feeds the three inputs of {@code bert}. */
    public Session.Runner feed(Session.Runner runner, BertGraph bert) {
        return runner.feed(bert.inputIds, ids)
                .feed(bert.attentionMask, mask)
                .feed(bert.tokenTypeIds, types);
    }

    @Override
    public void close() {
        ids.close();
        mask.close();
        types.close();
    }
}
