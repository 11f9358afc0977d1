/**
 * Text datasets: streaming CSV/TSV/JSONL readers of labelled examples, label vocabularies, splits,
 * bucketed batches, and language-modelling corpora packed into blocks.
 */
package dev.hubtune.tokenizers.data;
