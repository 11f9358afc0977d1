package dev.hubtune.models.decoding;

import java.util.PriorityQueue;

/** Indices of the largest values of an array, without sorting all of it. */
public final class TopK {

    private TopK() {}

    /** The indices of the {@code k} largest values, largest first (ties: lower index first). */
    public static int[] indices(float[] values, int k) {
        PriorityQueue<Integer> heap =
                new PriorityQueue<>(
                        k + 1,
                        (a, b) ->
                                values[a] != values[b]
                                        ? Float.compare(values[a], values[b])
                                        : Integer.compare(b, a));
        for (int i = 0; i < values.length; i++) {
            heap.add(i);
            if (heap.size() > k) {
                heap.poll();
            }
        }
        int[] out = new int[heap.size()];
        for (int i = out.length - 1; i >= 0; i--) {
            out[i] = heap.poll();
        }
        return out;
    }
}
