package dev.hubtune.hub.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A repository's reader-writer lock across threads and processes: every pull holds it shared from
 * the first request to the last link, so that gc (which takes it exclusive, without waiting) never
 * frees a blob that is downloaded but not linked yet, nor a partial download that is running.
 *
 * <p>Across processes it is an OS file lock ({@code fcntl}; the kernel drops it when the process
 * dies). Within a JVM, where a file can carry only one OS lock, a read-write lock and a count stand
 * in front of it: the first pull of the JVM takes the OS lock, the last one releases it.
 */
public final class PullLock implements AutoCloseable {

    private static final ConcurrentHashMap<Path, State> STATES = new ConcurrentHashMap<>();

    private static final class State {
        final ReentrantReadWriteLock local = new ReentrantReadWriteLock();
        int shared;
        FileChannel channel;
        FileLock os;
    }

    private final State state;
    private final boolean exclusive;
    private final FileChannel exclusiveChannel;

    private PullLock(State state, boolean exclusive, FileChannel exclusiveChannel) {
        this.state = state;
        this.exclusive = exclusive;
        this.exclusiveChannel = exclusiveChannel;
    }

    private static State state(Path file) {
        return STATES.computeIfAbsent(file.toAbsolutePath().normalize(), k -> new State());
    }

    private static FileChannel open(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /**
     * Takes the lock shared (for a pull), waiting while a gc holds it. Release it with {@link
     * #close()} on the same thread.
     */
    public static PullLock shared(Path file) throws IOException {
        State st = state(file);
        try {
            st.local.readLock().lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + file);
        }
        try {
            synchronized (st) {
                if (st.shared == 0) {
                    FileChannel channel = open(file);
                    try {
                        st.os = channel.lock(0, Long.MAX_VALUE, true);
                    } catch (IOException | RuntimeException e) {
                        channel.close();
                        throw e;
                    }
                    st.channel = channel;
                }
                st.shared++;
            }
        } catch (IOException | RuntimeException e) {
            st.local.readLock().unlock();
            throw e;
        }
        return new PullLock(st, false, null);
    }

    /**
     * Takes the lock exclusive (for gc) if no pull holds it, in this process or another; empty when
     * one does. Never waits.
     */
    public static Optional<PullLock> tryExclusive(Path file) throws IOException {
        State st = state(file);
        if (!st.local.writeLock().tryLock()) {
            return Optional.empty();
        }
        FileChannel channel = null;
        try {
            channel = open(file);
            FileLock os = channel.tryLock(0, Long.MAX_VALUE, false);
            if (os == null) {
                channel.close();
                st.local.writeLock().unlock();
                return Optional.empty();
            }
            return Optional.of(new PullLock(st, true, channel));
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            st.local.writeLock().unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (exclusive) {
            try {
                exclusiveChannel.close(); // releases the OS lock
            } finally {
                state.local.writeLock().unlock();
            }
            return;
        }
        try {
            synchronized (state) {
                if (--state.shared == 0) {
                    FileChannel channel = state.channel;
                    state.channel = null;
                    state.os = null;
                    channel.close();
                }
            }
        } finally {
            state.local.readLock().unlock();
        }
    }
}
