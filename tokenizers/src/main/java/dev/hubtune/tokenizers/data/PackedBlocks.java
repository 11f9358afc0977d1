package dev.hubtune.tokenizers.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs tokenized documents into equal blocks for causal language modelling, as GPT-2 was trained:
 * the documents are joined into one stream, each followed by the end-of-text token, and the stream
 * is cut into consecutive blocks. Labels are the stream shifted by one — position t of a block is
 * labelled with the stream's next token, also at the last position of a block, whose target is the
 * first token of the next block — so every token but the first is a target exactly once and no
 * token is lost or duplicated at block boundaries. Only the last block is padded; padding and the
 * end of the stream are labelled {@link #IGNORE}.
 */
public final class PackedBlocks {

    /** The label of positions the loss ignores. */
    public static final int IGNORE = -100;

    /**
     * One block.
     *
     * @param ids token ids, padded to the block size
     * @param labels the next token of each position, or {@link #IGNORE}
     * @param tokens real (unpadded) tokens in the block
     */
    public record Block(int[] ids, int[] labels, int tokens) {}

    private PackedBlocks() {}

    /**
     * Packs {@code documents} into blocks of {@code blockSize}, each document followed by {@code
     * eosId}; {@code padId} fills the last block.
     */
    public static List<Block> pack(List<int[]> documents, int eosId, int blockSize, int padId) {
        if (blockSize < 2) {
            throw new IllegalArgumentException("block size must be at least 2, got " + blockSize);
        }
        int total = 0;
        for (int[] d : documents) {
            total = Math.addExact(total, d.length + 1);
        }
        int[] stream = new int[total];
        int p = 0;
        for (int[] d : documents) {
            System.arraycopy(d, 0, stream, p, d.length);
            p += d.length;
            stream[p++] = eosId;
        }
        List<Block> blocks = new ArrayList<>(total / blockSize + 1);
        for (int start = 0; start < total; start += blockSize) {
            int n = Math.min(blockSize, total - start);
            int[] ids = new int[blockSize];
            int[] labels = new int[blockSize];
            Arrays.fill(ids, padId);
            Arrays.fill(labels, IGNORE);
            System.arraycopy(stream, start, ids, 0, n);
            int targets = Math.min(n, total - start - 1);
            System.arraycopy(stream, start + 1, labels, 0, targets);
            blocks.add(new Block(ids, labels, n));
        }
        return blocks;
    }
}
