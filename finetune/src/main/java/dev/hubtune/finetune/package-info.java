/**
 * Training in TensorFlow graph mode: one loop ({@code TrainingLoop}) shared by every task — AdamW,
 * schedules, clipping, accumulation, evaluation, early stopping, atomic checkpoints with exact
 * resume, metrics, export — and the tasks on it: sequence classification ({@link
 * dev.hubtune.finetune.ClassifierTrainer}) and causal language modelling ({@link
 * dev.hubtune.finetune.LanguageModelTrainer}).
 */
package dev.hubtune.finetune;
