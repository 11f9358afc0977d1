/**
 * The BERT family ({@code model_type} {@code bert}): its config, backbone, weight-name maps (HF
 * PyTorch, Google TensorFlow, ONNX) and fresh initialisation.
 */
package dev.hubtune.models.bert;
