/**
 * The DistilBERT family ({@code model_type} {@code distilbert}): config, backbone (no token types,
 * learned or fixed sinusoidal positions) and weight-name map.
 */
package dev.hubtune.models.distilbert;
