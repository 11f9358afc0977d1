/**
 * Pretrained weights from real checkpoint formats (ONNX initializers, …) under HF parameter names.
 */
package dev.hubtune.models.weights;
