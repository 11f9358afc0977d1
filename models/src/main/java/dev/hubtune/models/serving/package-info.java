/**
 * Serving through DJL: the {@code hubtune://} model repository, translators for exported models.
 */
package dev.hubtune.models.serving;
