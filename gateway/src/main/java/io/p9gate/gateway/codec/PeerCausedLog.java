package io.p9gate.gateway.codec;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A log line a peer can cause at will (a frame size out of bounds, a tag reused, an oversized reply, a session event
 * the audit log refuses): each is logged once per connection or session, and a guest reconnecting in a loop could
 * otherwise write the host's log at the rate it connects. One instance per kind of line, shared by every connection
 * of the process: at most one line per interval, the next one saying how many were left out. Thread-safe.
 */
public final class PeerCausedLog {
    static final long DEFAULT_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final System.Logger log;
    private final System.Logger.Level level;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private boolean loggedOnce;
    private long lastLogged;
    private long leftOut;

    public PeerCausedLog(System.Logger log, System.Logger.Level level) {
        this(log, level, DEFAULT_INTERVAL_NANOS, System::nanoTime);
    }

    PeerCausedLog(System.Logger log, System.Logger.Level level, long intervalNanos, LongSupplier nanoClock) {
        this.log = log;
        this.level = level;
        this.intervalNanos = intervalNanos;
        this.nanoClock = nanoClock;
    }

    /** Logs {@code message} unless a line of this kind was logged less than an interval ago; then only counts it. */
    public void log(Supplier<String> message) {
        long omitted;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            if (loggedOnce && now - lastLogged < intervalNanos) {
                leftOut++;
                return;
            }
            loggedOnce = true;
            lastLogged = now;
            omitted = leftOut;
            leftOut = 0;
        }
        log.log(
                level,
                () -> message.get()
                        + (omitted > 0 ? " (and " + omitted + " more like it since the last such line)" : "")
                        + " (at most one such line a minute)");
    }
}
