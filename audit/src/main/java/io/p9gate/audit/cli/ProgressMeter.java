package io.p9gate.audit.cli;

import io.p9gate.audit.verify.Progress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The progress line a long command redraws in place on stderr ({@link ProgressLine}: how far, how long is left).
 * It is drawn at the first update and then at most every {@link #REDRAW}, so a command may report every record
 * without flooding the terminal; {@link #done} wipes it, leaving stderr as it was for what follows, and so does a
 * Ctrl-C or SIGTERM while it is drawn ({@link Interruption}): the shell's prompt was drawn after it.
 */
public final class ProgressMeter implements Progress {
    /** Often enough to look alive, rarely enough to cost nothing next to the work. */
    static final Duration REDRAW = Duration.ofMillis(200);

    private static final String WIPE = "\r\033[K";

    /** How long a stop waits for a redraw in progress (a stalled terminal must not hold the process). */
    private static final long STOP_WAIT_MS = 500;

    private final String doing;
    private final PrintWriter err;
    private final LongSupplier nanoClock;
    private final boolean shown;
    private final long start;
    /** Held while drawing or wiping: a stop's wipe never lands in the middle of a line, nor a line after it. */
    private final ReentrantLock drawing = new ReentrantLock();

    private long lastDrawn;
    private boolean drawnOnce;
    /** Whether the line is on the screen now (not wiped since it was drawn). */
    private boolean onScreen;

    private boolean ended;
    private Interruption.Cleanup wipeOnStop;
    // Read by a stop's thread (reached()).
    private volatile long bytesRead;
    private volatile long totalBytes;
    private volatile long records;

    /** @param nanoClock {@link System#nanoTime} but in tests */
    ProgressMeter(String doing, PrintWriter err, LongSupplier nanoClock) {
        this(doing, err, nanoClock, true);
    }

    private ProgressMeter(String doing, PrintWriter err, LongSupplier nanoClock, boolean shown) {
        this.doing = doing;
        this.err = err;
        this.nanoClock = nanoClock;
        this.shown = shown;
        this.start = nanoClock.getAsLong();
    }

    /** A meter that draws nothing: the command's code stays the same whether progress is shown or not. */
    static ProgressMeter hidden() {
        return new ProgressMeter("", null, () -> 0, false);
    }

    @Override
    public void update(long bytesRead, long totalBytes, long records) {
        this.bytesRead = bytesRead;
        this.totalBytes = totalBytes;
        this.records = records;
        if (!shown) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (drawnOnce && now - lastDrawn < REDRAW.toNanos()) {
            return;
        }
        drawing.lock();
        try {
            if (ended) {
                return;
            }
            if (wipeOnStop == null) {
                wipeOnStop = Interruption.onShutdown(this::stopped);
            }
            err.print(WIPE + ProgressLine.of(doing, bytesRead, totalBytes, records, Duration.ofNanos(now - start)));
            err.flush();
            lastDrawn = now;
            drawnOnce = true;
            onScreen = true;
        } finally {
            drawing.unlock();
        }
    }

    /**
     * How far the work had got, for a command that says where it stopped: {@code 42% of the log (1234 records
     * read)}.
     */
    String reached() {
        long pct = totalBytes == 0 ? 100 : bytesRead * 100 / totalBytes;
        return pct + "% of the log (" + records + " records read)";
    }

    /**
     * Wipes the line before the command prints something else on the screen (a row of {@code show}, a warning),
     * which would otherwise be glued to it; the next update draws it again, no sooner than {@link #REDRAW}.
     */
    public void clear() {
        drawing.lock();
        try {
            wipe();
        } finally {
            drawing.unlock();
        }
    }

    /** Wipes the line, if one was drawn; nothing is drawn after. */
    public void done() {
        drawing.lock();
        try {
            end();
        } finally {
            drawing.unlock();
        }
        if (wipeOnStop != null) {
            wipeOnStop.close();
        }
    }

    /** The process is stopping: the line is wiped unless a redraw holds stderr for long. */
    private void stopped() {
        try {
            if (drawing.tryLock(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                try {
                    end();
                } finally {
                    drawing.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void end() {
        wipe();
        ended = true;
    }

    private void wipe() {
        if (onScreen) {
            err.print(WIPE);
            err.flush();
            onScreen = false;
        }
    }
}
