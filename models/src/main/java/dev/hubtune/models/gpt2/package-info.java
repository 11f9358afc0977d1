/**
 * The GPT-2 family ({@code model_type} {@code gpt2}): its config, decoder backbone (training graph
 * and cached generation graph), weight names and fresh initialisation.
 */
package dev.hubtune.models.gpt2;
