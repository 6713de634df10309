package io.p9gate.policy.quota;

/**
 * Usage accounting of one quota scope (R-POL-6). Writers reserve before they write: a reservation counts
 * against the limit at once, so two concurrent writers can never both pass a check that only one of them
 * fits. After the write the reservation is committed with what was really used (the unused part goes
 * back) or released entirely if the write failed. Deletions and truncations {@link #free} usage.
 *
 * <p>One lock guards both counters: bytes and inodes must be checked and taken together, and the
 * critical section is a few comparisons, far shorter than the write it protects.
 */
public final class QuotaLedger {

    private final QuotaSpec spec;
    private long bytes;
    private long inodes;

    /** @param initial usage found by {@link UsageScanner} when the gateway (re)starts */
    public QuotaLedger(QuotaSpec spec, Usage initial) {
        this.spec = spec;
        this.bytes = initial.bytes();
        this.inodes = initial.inodes();
    }

    public QuotaSpec spec() { return spec; }

    /** Current usage, including outstanding reservations. */
    public synchronized Usage used() { return new Usage(bytes, inodes); }

    /**
     * Takes {@code ask} from the quota or, if it would exceed a limit, takes nothing.
     *
     * @throws QuotaExceededException (EDQUOT) naming the limit that would be exceeded
     */
    public Reservation reserve(Usage ask) throws QuotaExceededException {
        if (ask.bytes() < 0 || ask.inodes() < 0) throw new IllegalArgumentException("cannot reserve a negative amount");
        synchronized (this) {
            if (ask.bytes() > spec.maxBytes() - bytes) {
                throw new QuotaExceededException(spec.id(), "quota " + spec.id() + ": " + bytes + " + " + ask.bytes() + " bytes exceeds " + spec.maxBytes());
            }
            if (ask.inodes() > spec.maxInodes() - inodes) {
                throw new QuotaExceededException(spec.id(), "quota " + spec.id() + ": " + inodes + " + " + ask.inodes() + " inodes exceeds " + spec.maxInodes());
            }
            bytes += ask.bytes();
            inodes += ask.inodes();
        }
        return new Reservation(this, ask);
    }

    /** Gives back usage (file removed, truncated, or a reservation's unused part). */
    public synchronized void free(Usage amount) {
        bytes = Math.max(0, bytes - amount.bytes());
        inodes = Math.max(0, inodes - amount.inodes());
    }

    /**
     * Usage that happened without a reservation (e.g. the host changed the tree); may leave the scope
     * over its limit, after which only frees succeed until it is back under.
     */
    public synchronized void charge(Usage amount) {
        bytes += amount.bytes();
        inodes += amount.inodes();
    }
}
