package io.p9gate.policy.quota;

/**
 * Usage held for one pending write. Exactly one of {@link #commit} or {@link #release} takes effect;
 * later calls are ignored, so a {@code finally { release(); }} after a commit is harmless.
 */
public final class Reservation implements AutoCloseable {

    private final QuotaLedger ledger;
    private final Usage held;
    private boolean settled;

    Reservation(QuotaLedger ledger, Usage held) {
        this.ledger = ledger;
        this.held = held;
    }

    public Usage held() {
        return held;
    }

    /** Keeps what was really used (at most what was held); the rest returns to the quota. */
    public synchronized void commit(Usage actual) {
        if (settled) return;
        if (actual.bytes() > held.bytes() || actual.inodes() > held.inodes()) {
            throw new IllegalArgumentException("cannot commit more than was reserved");
        }
        settled = true;
        ledger.free(held.minus(actual));
    }

    /** Gives back everything held (the write did not happen). */
    public synchronized void release() {
        if (settled) return;
        settled = true;
        ledger.free(held);
    }

    @Override
    public void close() {
        release();
    }
}
