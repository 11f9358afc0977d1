/**
 * Where models come from: the Hugging Face Hub API, Maven repositories, Python package indexes
 * (wheels), plain URLs and archives.
 */
package dev.hubtune.hub.source;
