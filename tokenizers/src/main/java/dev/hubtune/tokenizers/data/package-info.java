/**
 * Labelled text datasets: streaming CSV/TSV/JSONL readers, label vocabularies, splits, bucketed
 * batches.
 */
package dev.hubtune.tokenizers.data;
