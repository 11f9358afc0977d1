/**
 * What users run, for any family: {@link dev.hubtune.models.apps.EncoderModel} (hidden states,
 * poolings), {@link dev.hubtune.models.apps.Embedder}, {@link
 * dev.hubtune.models.apps.TextClassifier}, {@link dev.hubtune.models.apps.TokenClassifier}, {@link
 * dev.hubtune.models.apps.FillMask}, {@link dev.hubtune.models.apps.DecoderModel} and {@link
 * dev.hubtune.models.apps.TextGenerator}. All load through {@link
 * dev.hubtune.models.apps.LoadedModel}: build the graph, check the weights fit, open a session,
 * assign.
 */
package dev.hubtune.models.apps;
