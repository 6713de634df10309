package io.p9gate.gateway.wiring;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A WARNING a guest can cause at will (a session event the audit log refuses, once its VM has used its share of the
 * disk budget): at most one line per interval, the next one saying how many were left out, so that a Tversion storm
 * cannot write the host's log at the rate it sends. Thread-safe.
 */
final class ThrottledWarning {
    static final long DEFAULT_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final System.Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private boolean loggedOnce;
    private long lastLogged;
    private long leftOut;

    ThrottledWarning(System.Logger log) {
        this(log, DEFAULT_INTERVAL_NANOS, System::nanoTime);
    }

    ThrottledWarning(System.Logger log, long intervalNanos, LongSupplier nanoClock) {
        this.log = log;
        this.intervalNanos = intervalNanos;
        this.nanoClock = nanoClock;
    }

    /** Logs {@code message} unless a line was logged less than an interval ago; then only counts it. */
    void warn(Supplier<String> message) {
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
                System.Logger.Level.WARNING,
                () -> message.get()
                        + (omitted > 0 ? " (and " + omitted + " more like it since the last such line)" : "")
                        + " (at most one such line a minute)");
    }
}
