package io.p9gate.audit.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How an export ended, for a stop (Ctrl-C, SIGTERM) that comes while it works. Only the command knows whether its
 * output is whole: the stop asks it to write no more and waits for its word, rather than judging from outside (it
 * called a finished export incomplete when the signal came after the last line but before the command returned).
 */
final class ExportEnd {
    private final CountDownLatch decided = new CountDownLatch(1);
    private volatile boolean stopAsked;
    private volatile boolean refused;
    private volatile boolean complete;

    /** Before each line: false once a stop has asked for no more, and the line is then not written. */
    boolean mayWrite() {
        if (stopAsked) {
            refused = true;
            return false;
        }
        return true;
    }

    /** Whether a stop refused a line: the export is cut short, and its file must not be committed. */
    boolean cutShort() {
        return refused;
    }

    /** The output is whole (read to the end, flushed or committed): a stop waiting now says nothing. */
    void whole() {
        complete = true;
        decided.countDown();
    }

    /** The command ends (normally or by a failure); an export not read to its end is not whole. */
    void ended() {
        decided.countDown();
    }

    /**
     * From the stop's thread: whether the output is whole, after waiting at most {@code wait} for the command
     * (which may be blocked on a pipe nobody reads, and is then not whole).
     */
    boolean wholeAfterStop(Duration wait) {
        stopAsked = true;
        try {
            decided.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return complete;
    }
}
