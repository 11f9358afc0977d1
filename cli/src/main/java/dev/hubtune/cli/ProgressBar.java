package dev.hubtune.cli;

import dev.hubtune.hub.PullListener;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A download progress bar for the terminal: one redrawn line with bytes, percentage, speed and the
 * current file. Without a terminal (CI logs, pipes) it prints one line per finished file instead.
 */
final class ProgressBar implements PullListener {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile long total = -1;
    private volatile int files;
    private volatile long lastDraw;
    private volatile String current = "";

    ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void planned(int files, long totalBytes) {
        this.files = files;
        this.total = totalBytes;
    }

    @Override
    public void fileStarted(String path, long size, long offset) {
        current = path;
        if (offset > 0) {
            bytes.addAndGet(offset);
            if (!terminal) {
                out.printf(
                        Locale.ROOT, "resuming %s at %s%n", path, DoctorCommand.humanSize(offset));
            }
        }
    }

    @Override
    public void bytesRead(String path, long n) {
        bytes.addAndGet(n);
        long now = System.nanoTime();
        if (terminal && now - lastDraw > 100_000_000L) {
            lastDraw = now;
            draw();
        }
    }

    @Override
    public void fileDone(String path, boolean cached) {
        int d = done.incrementAndGet();
        if (terminal) {
            draw();
            if (d == files) {
                out.println();
            }
        } else {
            out.printf(Locale.ROOT, "[%d/%d] %s%s%n", d, files, path, cached ? " (cached)" : "");
        }
    }

    private synchronized void draw() {
        long b = bytes.get();
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        String speed = DoctorCommand.humanSize((long) (b / seconds)) + "/s";
        StringBuilder line = new StringBuilder("\r");
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, WIDTH * b / total);
            line.append('[')
                    .append("#".repeat(filled))
                    .append(" ".repeat(WIDTH - filled))
                    .append("] ");
            line.append(String.format(Locale.ROOT, "%3d%% ", Math.min(100, 100 * b / total)));
            line.append(DoctorCommand.humanSize(b))
                    .append('/')
                    .append(DoctorCommand.humanSize(total));
        } else {
            line.append(DoctorCommand.humanSize(b));
        }
        line.append("  ")
                .append(speed)
                .append("  ")
                .append(done.get())
                .append('/')
                .append(files)
                .append(' ');
        String name =
                current.length() > 40 ? "…" + current.substring(current.length() - 39) : current;
        line.append(name).append("\u001b[K");
        out.print(line);
        out.flush();
    }
}
