/**
 * The ModernBERT family ({@code model_type} {@code modernbert}): config, backbone (fused Wqkv,
 * RoPE, alternating global and sliding-window attention, GeGLU) and weight-name map.
 */
package dev.hubtune.models.modernbert;
