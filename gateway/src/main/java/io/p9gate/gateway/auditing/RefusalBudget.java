package io.p9gate.gateway.auditing;

import java.time.Duration;

/**
 * How many refusals one VM gets recorded one by one (issue 8 item 6): within each {@code window}, identical
 * refusals become one record with a count, and at most {@code distinct} different ones are written one by one
 * (see {@link RepeatedRefusals}).
 */
public record RefusalBudget(Duration window, int distinct) {
    /** One-second windows, 64 different refusals written one by one per VM and window. */
    public static final RefusalBudget DEFAULT = new RefusalBudget(Duration.ofSeconds(1), 64);

    public RefusalBudget {
        if (window.isNegative() || window.isZero() || distinct < 1) {
            throw new IllegalArgumentException("a refusal budget needs a positive window and count");
        }
    }
}
