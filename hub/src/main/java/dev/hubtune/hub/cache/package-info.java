/**
 * The on-disk model cache in huggingface_hub's layout: blobs, snapshots, refs, locks, downloads.
 */
package dev.hubtune.hub.cache;
