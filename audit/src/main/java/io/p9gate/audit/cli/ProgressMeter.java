package io.p9gate.audit.cli;

import io.p9gate.audit.verify.Progress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The progress line a long command redraws in place on stderr ({@link ProgressLine}: how far, how long is left).
 * It is drawn at the first update and then at most every {@link #REDRAW}, so a command may report every record
 * without flooding the terminal; {@link #done} wipes it, leaving stderr as it was for what follows.
 */
public final class ProgressMeter implements Progress {
    /** Often enough to look alive, rarely enough to cost nothing next to the work. */
    static final Duration REDRAW = Duration.ofMillis(200);

    private static final String WIPE = "\r\033[K";

    private final String doing;
    private final PrintWriter err;
    private final LongSupplier nanoClock;
    private final boolean shown;
    private final long start;
    private long lastDrawn;
    private boolean drawn;

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
        if (!shown) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (drawn && now - lastDrawn < REDRAW.toNanos()) {
            return;
        }
        err.print(WIPE + ProgressLine.of(doing, bytesRead, totalBytes, records, Duration.ofNanos(now - start)));
        err.flush();
        lastDrawn = now;
        drawn = true;
    }

    /** Wipes the line, if one was drawn. */
    public void done() {
        if (drawn) {
            err.print(WIPE);
            err.flush();
        }
    }
}
