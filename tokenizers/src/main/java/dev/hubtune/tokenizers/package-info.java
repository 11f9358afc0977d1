/**
 * Text to model-ready token ids on DJL's HuggingFace tokenizers; labelled datasets from CSV/JSONL.
 */
package dev.hubtune.tokenizers;
