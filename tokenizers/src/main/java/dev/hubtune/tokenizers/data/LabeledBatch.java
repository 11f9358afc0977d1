package dev.hubtune.tokenizers.data;

import dev.hubtune.tokenizers.Batch;

/**
 * A padded batch with the class id of each row.
 *
 * @param batch the padded token ids, masks and segment ids
 * @param labels class ids, one per row (empty when the data has no labels)
 */
public record LabeledBatch(Batch batch, int[] labels) {}
