package dev.hubtune.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Keeps TensorFlow's native chatter off the user's terminal. TensorFlow 2.18 logs through its own
 * copy of Abseil, which ignores {@code TF_CPP_MIN_LOG_LEVEL} and cannot be reached from Java, so
 * every command that runs a session printed grappler's cost-estimator warnings and MLIR notices.
 * The CLI routes file descriptor 2 through a pipe and forwards every line except TensorFlow's info
 * lines (and, at the default level, its warning lines); {@code TF_CPP_MIN_LOG_LEVEL=0} shows them
 * all. Errors always pass.
 */
final class NativeLogFilter {

    /** Abseil's line prefix: severity, MMDD, time, thread, file:line]. */
    private static final Pattern ABSL_LINE =
            Pattern.compile("^([IWEF])\\d{4} \\d\\d:\\d\\d:[\\d.]+ +\\d+ [^ \\]]+:\\d+\\] .*");

    private static final String ABSL_PRELUDE =
            "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR";

    /** The C library calls it needs. */
    private interface LibC extends Library {
        int pipe(int[] fds);

        int dup(int fd);

        int dup2(int from, int to);

        int close(int fd);

        long read(int fd, byte[] buf, long n);

        long write(int fd, byte[] buf, long n);
    }

    private final LibC libc;
    private final int original;
    private final int writeEnd;
    private final Thread forwarder;
    private final int minLevel;

    private NativeLogFilter(LibC libc, int original, int readEnd, int writeEnd, int minLevel) {
        this.libc = libc;
        this.original = original;
        this.writeEnd = writeEnd;
        this.minLevel = minLevel;
        this.forwarder = new Thread(() -> forward(readEnd), "hubtune-stderr");
        forwarder.setDaemon(true);
        forwarder.start();
    }

    /**
     * Installs the filter on this process's stderr; returns what restores it (and forwards what is
     * left), to run before the process exits. Where it cannot be installed, stderr stays as it is.
     */
    static Runnable install(Map<String, String> env) {
        int level = level(env.get("TF_CPP_MIN_LOG_LEVEL"));
        if (level == 0 || !System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return () -> {};
        }
        try {
            LibC libc = Native.load("c", LibC.class);
            int[] fds = new int[2];
            if (libc.pipe(fds) != 0) {
                return () -> {};
            }
            int original = libc.dup(2);
            if (original < 0 || libc.dup2(fds[1], 2) < 0) {
                libc.close(fds[0]);
                libc.close(fds[1]);
                return () -> {};
            }
            NativeLogFilter filter = new NativeLogFilter(libc, original, fds[0], fds[1], level);
            return filter::restore;
        } catch (RuntimeException | LinkageError e) {
            return () -> {};
        }
    }

    /** TensorFlow's level names: 0 all, 1 no info, 2 no warnings (hubtune's default), 3 fatal. */
    static int level(String value) {
        try {
            return value == null ? 2 : Math.max(0, Math.min(3, Integer.parseInt(value.trim())));
        } catch (NumberFormatException e) {
            return 2;
        }
    }

    /** Whether {@code line} is dropped at {@code minLevel}. */
    static boolean dropped(String line, int minLevel) {
        if (minLevel <= 0) {
            return false;
        }
        if (line.equals(ABSL_PRELUDE)) {
            return true;
        }
        if (!ABSL_LINE.matcher(line).matches()) {
            return false;
        }
        char severity = line.charAt(0);
        return severity == 'I' || (severity == 'W' && minLevel >= 2);
    }

    private void forward(int readEnd) {
        byte[] buf = new byte[8192];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long n;
        while ((n = libc.read(readEnd, buf, buf.length)) > 0) {
            for (int i = 0; i < n; i++) {
                line.write(buf[i]);
                if (buf[i] == '\n') {
                    emit(line);
                }
            }
            // A partial line (a progress bar redrawn with \r) is shown at once.
            if (line.size() > 0 && !looksLikeLogStart(line)) {
                emit(line);
            }
        }
        if (line.size() > 0) {
            emit(line);
        }
        libc.close(readEnd);
    }

    private static boolean looksLikeLogStart(ByteArrayOutputStream line) {
        byte[] b = line.toByteArray();
        return b.length > 0 && (b[0] == 'I' || b[0] == 'W' || b[0] == 'E' || b[0] == 'F');
    }

    private void emit(ByteArrayOutputStream line) {
        byte[] bytes = line.toByteArray();
        line.reset();
        String text = new String(bytes, StandardCharsets.UTF_8).stripTrailing();
        if (!dropped(text, minLevel)) {
            int off = 0;
            while (off < bytes.length) {
                byte[] rest =
                        off == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, off, bytes.length);
                long w = libc.write(original, rest, rest.length);
                if (w <= 0) {
                    return;
                }
                off += (int) w;
            }
        }
    }

    private void restore() {
        System.err.flush();
        libc.dup2(original, 2);
        libc.close(writeEnd);
        try {
            forwarder.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
