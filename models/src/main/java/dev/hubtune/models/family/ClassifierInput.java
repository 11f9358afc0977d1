package dev.hubtune.models.family;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a classification head projects onto its labels: the features transformers' family head
 * computes before its last linear layer, and that layer's module name.
 *
 * @param features {@code [batch, width]} (sequence classification) or {@code [batch, length,
 *     width]} (token classification)
 * @param width the features' last dimension
 * @param projection the HF module name of the last linear layer, e.g. {@code classifier}
 */
public record ClassifierInput(Operand<TFloat32> features, int width, String projection) {}
