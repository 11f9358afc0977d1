/** Resolves model references to verified model directories on disk, and owns hubtune's home. */
package dev.hubtune.hub;
