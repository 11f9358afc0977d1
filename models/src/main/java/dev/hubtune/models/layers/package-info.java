/** Building blocks shared by the transformer graphs: dense layers, LayerNorm, GELU, dropout. */
package dev.hubtune.models.layers;
