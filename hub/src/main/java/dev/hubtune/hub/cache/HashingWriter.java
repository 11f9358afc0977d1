package dev.hubtune.hub.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Writes downloaded chunks to a file on the calling thread while a second thread hashes them, so
 * that SHA-256 (about 1.7 GB/s on one core) overlaps with network and disk instead of adding to
 * them. Chunks cycle through a small pool of buffers; hashing order equals write order.
 */
final class HashingWriter implements AutoCloseable {

    private static final int BUFFERS = 4;
    private static final byte[] END = new byte[0];

    private final FileChannel out;
    private final List<MessageDigest> digests;
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BlockingQueue<byte[]> filled = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final BlockingQueue<Integer> lengths = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final Thread hasher;
    private volatile Throwable failure;

    HashingWriter(FileChannel out, List<MessageDigest> digests, int bufferSize) {
        this.out = out;
        this.digests = List.copyOf(digests);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[bufferSize]);
        }
        hasher = new Thread(this::hashLoop, "hubtune-hash");
        hasher.setDaemon(true);
        hasher.start();
    }

    /** A buffer to fill; hand it back with {@link #write}. */
    byte[] buffer() throws IOException {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while downloading");
        }
    }

    /** Writes {@code length} bytes of {@code buffer} to the file and queues them for hashing. */
    void write(byte[] buffer, int length) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buffer, 0, length);
        while (bb.hasRemaining()) {
            out.write(bb);
        }
        enqueue(buffer, length);
    }

    /** Returns an unused buffer to the pool. */
    void release(byte[] buffer) {
        free.add(buffer);
    }

    /** Waits until every written byte is hashed. */
    void finish() throws IOException {
        enqueue(END, 0);
        try {
            hasher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
        if (failure != null) {
            throw new IOException("hashing failed", failure);
        }
    }

    private void enqueue(byte[] buffer, int length) throws IOException {
        try {
            lengths.put(length);
            filled.put(buffer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while downloading");
        }
    }

    private void hashLoop() {
        try {
            while (true) {
                int length = lengths.take();
                byte[] buffer = filled.take();
                if (buffer == END) {
                    return;
                }
                for (MessageDigest d : digests) {
                    d.update(buffer, 0, length);
                }
                free.put(buffer);
            }
        } catch (InterruptedException | RuntimeException e) {
            failure = e;
        }
    }

    @Override
    public void close() {
        if (hasher.isAlive()) {
            hasher.interrupt();
        }
    }
}
