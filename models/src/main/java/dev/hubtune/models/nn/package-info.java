/**
 * Building blocks every model family is made of: a {@link dev.hubtune.models.nn.ParameterStore}
 * that owns the variables and their metadata, and layers that add their ops and parameters to a
 * graph through a {@link dev.hubtune.models.nn.BuildContext} ({@code Linear} with an adapter hook,
 * {@code LayerNorm}, {@code RmsNorm}, {@code Embedding}, attention, dropout, activations, {@code
 * Lstm} on TensorFlow's fused kernel and {@code Gru} unrolled over time). Every op they use has a
 * gradient (the fused LSTM's is registered by {@code BlockLstmGradient}), so the same blocks build
 * inference and training graphs.
 */
package dev.hubtune.models.nn;
