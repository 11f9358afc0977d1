package dev.hubtune.tokenizers.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * Length-bucketed batching, as training uses it: the examples are shuffled, cut into buckets of
 * {@code bucketBatches × batchSize}, each bucket sorted by length and cut into batches, and the
 * batches shuffled. Similar lengths share a batch, so each batch pads only to its own longest row
 * and little compute goes to padding, while the order stays random.
 */
public final class LengthBuckets {

    private LengthBuckets() {}

    /**
     * The batches of one epoch.
     *
     * @param length an example's length in tokens
     * @param random the epoch's generator: the same seed gives the same batches
     */
    public static <E> List<List<E>> batches(
            List<E> examples,
            ToIntFunction<E> length,
            int batchSize,
            int bucketBatches,
            Random random) {
        if (batchSize < 1 || bucketBatches < 1) {
            throw new IllegalArgumentException("batch size and bucket size must be positive");
        }
        List<E> order = new ArrayList<>(examples);
        Collections.shuffle(order, random);
        List<List<E>> batches = new ArrayList<>();
        int bucket = bucketBatches * batchSize;
        for (int start = 0; start < order.size(); start += bucket) {
            List<E> chunk =
                    new ArrayList<>(order.subList(start, Math.min(order.size(), start + bucket)));
            chunk.sort(Comparator.comparingInt(length));
            for (int i = 0; i < chunk.size(); i += batchSize) {
                batches.add(chunk.subList(i, Math.min(chunk.size(), i + batchSize)));
            }
        }
        Collections.shuffle(batches, random);
        return batches;
    }
}
