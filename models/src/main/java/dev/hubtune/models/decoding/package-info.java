/** Choosing tokens from model scores: top-k selection, and sampling settings for generation. */
package dev.hubtune.models.decoding;
