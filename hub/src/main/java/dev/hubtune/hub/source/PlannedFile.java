package dev.hubtune.hub.source;

import dev.hubtune.hub.cache.BlobDownloader;

/**
 * One download of a plan.
 *
 * @param request what to download and how to verify it
 * @param unpack true when the file is an archive whose entries form the snapshot
 */
public record PlannedFile(BlobDownloader.Request request, boolean unpack) {}
