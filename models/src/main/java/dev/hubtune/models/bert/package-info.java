/** BERT as a TensorFlow graph built in Java: configuration, encoder, pooling heads, inference. */
package dev.hubtune.models.bert;
