package dev.hubtune.tokenizers;

import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.List;

/**
 * Encodings padded into rectangular row-major {@code [batchSize, length]} arrays, ready to become
 * int32 tensors ({@link #inputIdsBuffer()}) without boxing a single token.
 */
public final class Batch {

    private final int batchSize;
    private final int length;
    private final int[] inputIds;
    private final int[] attentionMask;
    private final int[] typeIds;
    private final long realTokens;

    Batch(List<Encoded> encodings, int length, int padId) {
        this.batchSize = encodings.size();
        this.length = length;
        this.inputIds = new int[batchSize * length];
        this.attentionMask = new int[batchSize * length];
        this.typeIds = new int[batchSize * length];
        long real = 0;
        java.util.Arrays.fill(inputIds, padId);
        for (int row = 0; row < batchSize; row++) {
            Encoded e = encodings.get(row);
            int n = Math.min(e.length(), length);
            int base = row * length;
            for (int i = 0; i < n; i++) {
                inputIds[base + i] = Math.toIntExact(e.ids()[i]);
                typeIds[base + i] = (int) e.typeIds()[i];
                attentionMask[base + i] = 1;
            }
            real += n;
        }
        this.realTokens = real;
    }

    /** Rows. */
    public int batchSize() {
        return batchSize;
    }

    /** Columns (padded length). */
    public int length() {
        return length;
    }

    /** Token ids, row-major; padding holds the pad id. Do not modify. */
    public int[] inputIds() {
        return inputIds;
    }

    /** 1 for real tokens, 0 for padding. Do not modify. */
    public int[] attentionMask() {
        return attentionMask;
    }

    /** Segment ids. Do not modify. */
    public int[] typeIds() {
        return typeIds;
    }

    /** A read-only int32 view of the ids. */
    public IntBuffer inputIdsBuffer() {
        return IntBuffer.wrap(inputIds).asReadOnlyBuffer();
    }

    /** The ids widened to int64 (for models whose signature takes int64). */
    public LongBuffer inputIdsAsLongs() {
        LongBuffer b = LongBuffer.allocate(inputIds.length);
        for (int id : inputIds) {
            b.put(id);
        }
        return b.flip();
    }

    /** Real (unpadded) tokens in the batch. */
    public long realTokens() {
        return realTokens;
    }

    /** Share of the batch that is padding, 0..1. */
    public double paddingFraction() {
        long total = (long) batchSize * length;
        return total == 0 ? 0 : 1.0 - (double) realTokens / total;
    }

    /** Row {@code r} of the ids. */
    public int[] row(int r) {
        return java.util.Arrays.copyOfRange(inputIds, r * length, (r + 1) * length);
    }
}
