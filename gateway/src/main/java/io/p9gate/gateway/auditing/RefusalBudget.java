package io.p9gate.gateway.auditing;

import java.time.Duration;

/**
 * How many refusals one VM gets recorded one by one (issue 8 item 6): within each {@code window}, identical
 * refusals become one record with a count, and at most {@code distinct} different ones are written one by one,
 * together at most {@link #bytes()} of path and detail (see {@link RepeatedRefusals}).
 */
public record RefusalBudget(Duration window, int distinct) {
    /** One-second windows, 64 different refusals written one by one per VM and window. */
    public static final RefusalBudget DEFAULT = new RefusalBudget(Duration.ofSeconds(1), 64);

    /**
     * The path and detail one kind written one by one takes on average at most: an ordinary refusal's are tens of
     * bytes, but a walk of 16 made-up 255-byte names took 5 KB (a 4,095-byte path, the names within 1,024 bytes), and
     * 64 such kinds a window 371 KB of log where 64 ordinary ones take 40 KB
     * (adversarial.LongRefusalRecordsFloodAttackTest).
     */
    static final int BYTES_PER_KIND = 512;

    public RefusalBudget {
        if (window.isNegative() || window.isZero() || distinct < 1) {
            throw new IllegalArgumentException("a refusal budget needs a positive window and count");
        }
    }

    /** How many characters of path and detail the kinds written one by one in a window take together at most. */
    long bytes() {
        return (long) distinct * BYTES_PER_KIND;
    }
}
