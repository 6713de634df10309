package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A line a peer can cause at will: one per interval, the next one counting those left out. */
public class PeerCausedLogTest {
    /** Keeps each line logged, as "LEVEL message" (the metrics tests use it too). */
    public static final class Lines implements System.Logger {
        public final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }

        @Override
        public void log(Level level, Supplier<String> msg) {
            lines.add(level + " " + msg.get());
        }
    }

    @Test
    void oneLineAMinuteAndTheNextSaysHowManyWereLeftOut() {
        Lines log = new Lines();
        AtomicLong now = new AtomicLong();
        PeerCausedLog peerCaused =
                new PeerCausedLog(log, System.Logger.Level.WARNING, TimeUnit.MINUTES.toNanos(1), now::get);
        for (int i = 0; i < 1000; i++) {
            int n = i;
            peerCaused.log(() -> "closing connection " + n);
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(10)); // 1,000 connections in 10 s
        }
        assertEquals(List.of("WARNING closing connection 0 (at most one such line a minute)"), log.lines);
        now.addAndGet(TimeUnit.MINUTES.toNanos(1));
        peerCaused.log(() -> "closing connection 1000");
        assertEquals(2, log.lines.size());
        assertTrue(
                log.lines.get(1).startsWith("WARNING closing connection 1000 (and 999 more like it"), log.lines.get(1));
    }

    @Test
    void eachKeyHasItsOwnLineSoOneVmsFloodDoesNotHideAnothersLine() {
        Lines log = new Lines();
        AtomicLong now = new AtomicLong();
        PeerCausedLog peerCaused =
                new PeerCausedLog(log, System.Logger.Level.WARNING, TimeUnit.MINUTES.toNanos(1), now::get);
        for (int i = 0; i < 100; i++) {
            peerCaused.log("vm-flood", () -> "refused vm-flood");
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
        }
        peerCaused.log("vm-quiet", () -> "refused vm-quiet");
        assertEquals(
                List.of(
                        "WARNING refused vm-flood (at most one such line a minute)",
                        "WARNING refused vm-quiet (at most one such line a minute)"),
                log.lines);
        now.addAndGet(TimeUnit.MINUTES.toNanos(1));
        peerCaused.log("vm-flood", () -> "refused vm-flood");
        assertTrue(log.lines.get(2).contains("(and 99 more like it"), log.lines.get(2));
    }

    @Test
    void keysAPeerCanChooseShareOneLinePastTheirLimit() {
        Lines log = new Lines();
        AtomicLong now = new AtomicLong();
        PeerCausedLog peerCaused =
                new PeerCausedLog(log, System.Logger.Level.WARNING, TimeUnit.MINUTES.toNanos(1), now::get);
        for (int i = 0; i < 10 * PeerCausedLog.MAX_KEYS; i++) {
            int n = i;
            peerCaused.log("10.0." + (n >> 8) + "." + (n & 255), () -> "refused " + n);
            peerCaused.log("10.0." + (n >> 8) + "." + (n & 255), () -> "refused again " + n);
        }
        assertEquals(PeerCausedLog.MAX_KEYS + 1, log.lines.size(), "one line per key kept, one for the rest");
    }
}
