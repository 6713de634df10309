package io.p9gate.gateway.codec;

import io.p9gate.audit.read.PrintableText;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A log line a peer can cause at will (a frame size out of bounds, a tag reused, an oversized reply, a session event
 * the audit log refuses, a refused connection): each is logged once per connection or session, and a guest
 * reconnecting in a loop could otherwise write the host's log at the rate it connects. One instance per kind of line,
 * shared by every connection of the process: at most one line per interval and key (a VM, else a listener; one key
 * for all with {@link #log(Supplier)}), the next one saying how many were left out. Keyed, one VM's flood does not
 * hide another VM's line. Thread-safe.
 *
 * <p>A line is logged escaped ({@link PrintableText}): it may carry what the peer chose (a TLS client certificate's
 * subject, an exception's message), and a newline there would forge a log line of its own, an escape sequence drive
 * the terminal of whoever follows the log.
 */
public final class PeerCausedLog {
    static final long DEFAULT_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Keys kept at most: past them (keys a peer can choose, as addresses), new keys share one line. */
    static final int MAX_KEYS = 1024;

    /** The one key of lines logged for the whole process (peers no VM or listener names, clients). */
    public static final String ANY = "";

    private final System.Logger log;
    private final System.Logger.Level level;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Line> lines = new HashMap<>();

    /** When a key's last line was logged, and how many were left out since. */
    private static final class Line {
        boolean logged;
        long lastLogged;
        long leftOut;
    }

    public PeerCausedLog(System.Logger log, System.Logger.Level level) {
        this(log, level, DEFAULT_INTERVAL_NANOS, System::nanoTime);
    }

    PeerCausedLog(System.Logger log, System.Logger.Level level, long intervalNanos, LongSupplier nanoClock) {
        this.log = log;
        this.level = level;
        this.intervalNanos = intervalNanos;
        this.nanoClock = nanoClock;
    }

    /**
     * The key of a line a connection's peer caused: its VM once known ("" if none), else its listener. Every keyed
     * line is keyed so (never by a raw name, which for "" would be {@link #ANY}).
     */
    public static String key(String vm, String listener) {
        return vm.isEmpty() ? "listener " + listener : key(vm);
    }

    /** The key of a line a VM's peer caused where the VM is always known (its budget, its session). */
    public static String key(String vm) {
        return "vm " + vm;
    }

    /** Logs {@code message} unless a line of this kind was logged less than an interval ago; then only counts it. */
    public void log(Supplier<String> message) {
        log(ANY, message);
    }

    /**
     * Logs {@code message} unless a line of this kind with this {@code key} (the VM, else the listener or the peer's
     * address) was logged less than an interval ago; then only counts it.
     */
    public void log(String key, Supplier<String> message) {
        long omitted;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            Line line = lineOf(key, now);
            if (line.logged && now - line.lastLogged < intervalNanos) {
                line.leftOut++;
                return;
            }
            line.logged = true;
            line.lastLogged = now;
            omitted = line.leftOut;
            line.leftOut = 0;
        }
        log.log(
                level,
                () -> PrintableText.escape(message.get())
                        + (omitted > 0 ? " (and " + omitted + " more like it since the last such line)" : "")
                        + " (at most one such line a minute)");
    }

    /** The key's line (new for a key not seen, or forgotten); past {@link #MAX_KEYS} keys, the one new keys share. */
    private Line lineOf(String key, long now) {
        Line line = lines.get(key);
        if (line != null) {
            return line;
        }
        if (lines.size() >= MAX_KEYS) {
            // Forget the lines whose interval is over with nothing to report: their next line is logged anyway.
            lines.values().removeIf(l -> l.leftOut == 0 && now - l.lastLogged >= intervalNanos);
        }
        return lines.computeIfAbsent(lines.size() < MAX_KEYS ? key : ANY, k -> new Line());
    }
}
