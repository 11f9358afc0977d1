package dev.hubtune.tokenizers.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * Length-bucketed batching, as training uses it: the examples are shuffled, cut into buckets of
 * {@code bucketBatches × batchSize}, each bucket sorted by length rounded up to {@value #STEP}
 * tokens and cut into batches, and the batches shuffled. Similar lengths share a batch, so each
 * batch pads only to its own longest row and little compute goes to padding, while the order stays
 * random.
 */
public final class LengthBuckets {

    /**
     * Lengths are compared in steps of this many tokens. Why not exactly: sorting by exact length
     * makes batches homogeneous in whatever correlates with length — in an instruction set where
     * "uppercase X" is two tokens longer than "reverse X", every batch held one instruction, and a
     * tiny Llama that learns both from mixed batches in 250 steps was still at 55% token accuracy
     * after 400. Within a step the shuffled order is kept (the sort is stable), and a batch pads at
     * most {@code STEP - 1} tokens more per row than exact sorting would.
     */
    public static final int STEP = 8;

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
            chunk.sort(Comparator.comparingInt(e -> (length.applyAsInt(e) + STEP - 1) / STEP));
            for (int i = 0; i < chunk.size(); i += batchSize) {
                batches.add(chunk.subList(i, Math.min(chunk.size(), i + batchSize)));
            }
        }
        Collections.shuffle(batches, random);
        return batches;
    }
}
