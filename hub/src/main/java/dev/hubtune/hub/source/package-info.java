/**
 * Where models come from: the Hugging Face Hub API, Maven repositories, plain URLs and archives.
 */
package dev.hubtune.hub.source;
