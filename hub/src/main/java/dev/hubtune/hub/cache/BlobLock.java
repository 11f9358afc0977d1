package dev.hubtune.hub.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * An exclusive lock on one cache entry, across threads and processes. The process-level part is an
 * OS file lock ({@code fcntl}), which the kernel releases when its process dies, so a lock left by
 * a killed process never blocks anyone. The thread-level part exists because the JVM refuses two
 * file locks on one file in the same process.
 */
public final class BlobLock implements AutoCloseable {

    private static final ConcurrentHashMap<Path, Semaphore> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path file;
    private final Semaphore local;
    private final FileChannel channel;
    private final FileLock lock;

    private BlobLock(Path file, Semaphore local, FileChannel channel, FileLock lock) {
        this.file = file;
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** Blocks until the lock on {@code lockFile} is held by this thread. */
    public static BlobLock acquire(Path lockFile) throws IOException {
        Path key = lockFile.toAbsolutePath().normalize();
        Semaphore local = IN_PROCESS.computeIfAbsent(key, k -> new Semaphore(1));
        try {
            local.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for " + key);
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(key.getParent());
            channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.lock();
            return new BlobLock(key, local, channel, lock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            local.release();
            throw e;
        }
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            local.release();
        }
    }
}
