/**
 * Makes TensorFlow usable offline in any JVM: natives extraction, DJL and TF Java set-up, devices.
 */
package dev.hubtune.models.runtime;
