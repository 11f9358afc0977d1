/**
 * Fine-tuning in TensorFlow graph mode: AdamW, schedules, clipping, evaluation, checkpoints,
 * export.
 */
package dev.hubtune.finetune;
