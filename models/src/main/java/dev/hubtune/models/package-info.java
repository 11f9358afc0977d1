/** BERT and GPT-2 as TensorFlow graphs built in Java: weights, inference, export and serving. */
package dev.hubtune.models;
