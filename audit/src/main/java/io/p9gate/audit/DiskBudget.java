package io.p9gate.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The audit log's disk budget (issue 8 item 6): the log never fills its disk unnoticed and never drops a
 * record. The budget is the tighter of {@code maxBytes} (segments and sidecar together) and the file system's
 * usable space minus {@code minFreeBytes}; with neither set there is none. Of what is left:
 * <ul>
 * <li>below 20 % of the budget's scale ({@code maxBytes}, else {@code minFreeBytes}) a WARNING is logged;</li>
 * <li>below 5 % the records of changes ({@link AuditLog#appendIntent}) are refused: the change is not made (EIO),
 * while looks, denials and outcomes are still recorded, from the 5 % kept for them;</li>
 * <li>when a record does not fit any more, every guest-driven record is refused (EIO).</li>
 * </ul>
 * Each change of state is logged (WARNING, ERROR once changes stop) and recorded as a {@code log_budget} record.
 * The log's own records (checkpoints, start, shutdown, policy and key events) are always written: there are few,
 * and without them the log could not be verified. Free space is sampled every {@link #SAMPLE_BYTES} written,
 * and at every record once the budget is within twice that.
 */
final class DiskBudget {
    enum State {
        OK,
        LOW,
        CHANGES_REFUSED,
        FULL;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a record is, for the budget. */
    enum Kind {
        /** The record of a change about to be made: refused first. */
        CHANGE,
        /** A look, a denial, an outcome, a session event: recorded as long as anything fits. */
        RECORD,
        /** The log's own records: always written. */
        INTERNAL
    }

    static final long SAMPLE_BYTES = 256 << 10;

    private final long maxBytes;
    private final long minFreeBytes;
    private final long scale;
    private final LongSupplier usableSpace;
    /** Atomic: the checkpoint thread counts its notes without the append lock. */
    private final AtomicLong used;

    private long usable = Long.MAX_VALUE;
    private long writtenSinceSample = Long.MAX_VALUE;
    private State state = State.OK;

    /**
     * @param used        bytes the log's files hold already
     * @param usableSpace the file system's usable bytes now (sampled, see above)
     */
    DiskBudget(long maxBytes, long minFreeBytes, long used, LongSupplier usableSpace) {
        this.maxBytes = maxBytes;
        this.minFreeBytes = minFreeBytes;
        this.scale = maxBytes > 0 ? maxBytes : minFreeBytes;
        this.used = new AtomicLong(used);
        this.usableSpace = usableSpace;
    }

    /** Bytes the log's files in {@code dir} hold. */
    static long used(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    total += Files.size(f);
                }
            }
            return total;
        }
    }

    boolean enabled() {
        return scale > 0;
    }

    /**
     * Whether a record of {@code bytes} may be written now, after moving to the state the budget is in. Call
     * {@link #wrote} once it is written. Not thread-safe: under the log's append lock.
     */
    boolean admits(Kind kind, long bytes) {
        if (!enabled() || kind == Kind.INTERNAL) {
            return true;
        }
        long left = remaining();
        return switch (kind) {
            case CHANGE -> left - bytes >= scale / 20;
            case RECORD -> left - bytes >= 0;
            case INTERNAL -> true;
        };
    }

    /** Counts bytes written to a segment; under the append lock. */
    void wrote(long bytes) {
        used.addAndGet(bytes);
        writtenSinceSample += bytes;
    }

    /** Counts bytes written to the sidecar; from the checkpoint thread. */
    void wroteNote(long bytes) {
        used.addAndGet(bytes);
    }

    /** What the budget asks of an appended event that announces no change. */
    static Kind kindOf(AuditEvent event) {
        return switch (event) {
            case AuditEvent.Decision d -> Kind.RECORD;
            case AuditEvent.Lifecycle l ->
                switch (l.kind()) {
                    case SESSION_ATTACH, SESSION_CLOSE -> Kind.RECORD; // a guest can open sessions as fast as it likes
                    case START,
                            POLICY_LOAD,
                            POLICY_RELOAD,
                            KEY_CHANGE,
                            CHECKPOINT,
                            SHUTDOWN,
                            LOG_RECOVERED,
                            LOG_BUDGET -> Kind.INTERNAL;
                };
        };
    }

    /** The state the budget is in now; the caller reports a change of state. */
    State state() {
        if (!enabled()) {
            return State.OK;
        }
        long left = remaining();
        if (left < 8 << 10) {
            state = State.FULL;
        } else if (left < scale / 20) {
            state = State.CHANGES_REFUSED;
        } else if (left < scale / 5) {
            state = State.LOW;
        } else {
            state = State.OK;
        }
        return state;
    }

    /** How the budget stands, for log lines and the {@code log_budget} record. */
    String describe() {
        return "state=" + state.wire() + " used=" + used.get() + (maxBytes > 0 ? " max_bytes=" + maxBytes : "")
                + (minFreeBytes > 0 ? " usable=" + usable + " min_free=" + minFreeBytes : "")
                + " remaining=" + remaining();
    }

    private long remaining() {
        long left = Long.MAX_VALUE;
        if (maxBytes > 0) {
            left = maxBytes - used.get();
        }
        if (minFreeBytes > 0) {
            if (writtenSinceSample >= SAMPLE_BYTES || usable - minFreeBytes < 2 * SAMPLE_BYTES) {
                usable = usableSpace.getAsLong();
                writtenSinceSample = 0;
            }
            left = Math.min(left, usable - writtenSinceSample - minFreeBytes);
        }
        return left;
    }
}
