/**
 * The DeBERTa-v2 family ({@code model_type} {@code deberta-v2}, which includes DeBERTa-v3): config,
 * backbone (disentangled relative attention with log-bucketed positions) and weight-name map.
 */
package dev.hubtune.models.deberta;
