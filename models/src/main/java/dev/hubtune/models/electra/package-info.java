/**
 * The ELECTRA family ({@code model_type} {@code electra}, discriminators): config, backbone ({@code
 * embeddings_project} when {@code embedding_size} differs from {@code hidden_size}) and weight-name
 * map.
 */
package dev.hubtune.models.electra;
