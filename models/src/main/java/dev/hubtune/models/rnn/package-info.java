/**
 * hubtune's own recurrent text encoders ({@code model_type} {@code hubtune-rnn}): token embedding →
 * bidirectional LSTM or GRU stack → pooling, for classifiers trained from scratch or distilled from
 * a transformer.
 */
package dev.hubtune.models.rnn;
