/**
 * Batch inference on Apache Spark: hubtune models as Spark ML {@link
 * org.apache.spark.ml.Transformer}s ({@link dev.hubtune.spark.HubtuneClassifier}, {@link
 * dev.hubtune.spark.HubtuneEmbedder}, {@link dev.hubtune.spark.HubtuneGenerator}), each model
 * loaded once per executor JVM and fed its partition's rows in batches.
 */
package dev.hubtune.spark;
