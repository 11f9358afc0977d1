package dev.hubtune.models.family;

import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.nn.Embedding;

/**
 * Where a family's masked-LM head keeps its parameters: a transform (dense, activation, LayerNorm)
 * and a projection onto the vocabulary tied to the token embedding, plus an output bias.
 *
 * @param transform the transform's dense module ({@code cls.predictions.transform.dense})
 * @param norm its LayerNorm module ({@code cls.predictions.transform.LayerNorm})
 * @param bias the output bias parameter ({@code cls.predictions.bias})
 * @param activation the transform's activation
 * @param eps the LayerNorm's epsilon
 * @param embedding the token embedding the projection is tied to
 */
public record MaskedLmLayout(
        String transform,
        String norm,
        String bias,
        Activation activation,
        double eps,
        Embedding embedding) {}
