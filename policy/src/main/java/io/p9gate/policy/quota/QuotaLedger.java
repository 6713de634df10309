package io.p9gate.policy.quota;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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
    /**
     * Files counted here that the scan found with a name outside the scope too (host-made links), and how
     * many names each has inside: the file leaves this scope with its last name inside.
     */
    private final Map<InodeId, Integer> linkedOutside = new ConcurrentHashMap<>();
    /** Where the scan that made this ledger could not see: the scope counts as full until the next scan. */
    private final Optional<ScanGap> scanGap;

    /** @param initial usage found by {@link UsageScanner} when the gateway (re)starts */
    public QuotaLedger(QuotaSpec spec, Usage initial) {
        this(spec, new UsageScanner.Measured(initial, Map.of()));
    }

    public QuotaLedger(QuotaSpec spec, UsageScanner.Measured initial) {
        this.spec = spec;
        this.bytes = initial.usage().bytes();
        this.inodes = initial.usage().inodes();
        this.linkedOutside.putAll(initial.linkedOutside());
        this.scanGap = initial.gap();
    }

    public QuotaSpec spec() {
        return spec;
    }

    /** Where the scan that measured this scope could not see (the scope then counts as full); empty if it saw all. */
    public Optional<ScanGap> scanGap() {
        return scanGap;
    }

    /** Whether this scope counts {@code file} although a name of it lies outside (so writes there count here). */
    public boolean countsLinkedOutside(InodeId file) {
        return linkedOutside.containsKey(file);
    }

    /** A hard link gave {@code file} one more name inside this scope. */
    public void linkMade(InodeId file) {
        linkedOutside.computeIfPresent(file, (f, names) -> names + 1);
    }

    /**
     * One of {@code file}'s names inside this scope went while it keeps others: its inode (every name counts one,
     * as a directory entry) leaves the scope, and with the last name inside, its bytes too.
     */
    public void linkGone(InodeId file, Usage usage) {
        boolean[] last = {false};
        linkedOutside.computeIfPresent(file, (f, names) -> {
            last[0] = names <= 1;
            return last[0] ? null : names - 1;
        });
        free(last[0] ? usage : new Usage(0, usage.inodes()));
    }

    /** The file's last name is gone (or it moved as a whole): it no longer needs following by identity. */
    public void forget(InodeId file) {
        linkedOutside.remove(file);
    }

    /** Current usage, including outstanding reservations. */
    public synchronized Usage used() {
        return new Usage(bytes, inodes);
    }

    /**
     * Takes {@code ask} from the quota or, if it would exceed a limit, takes nothing.
     *
     * @throws QuotaExceededException (EDQUOT) naming the limit that would be exceeded
     */
    public Reservation reserve(Usage ask) throws QuotaExceededException {
        if (ask.bytes() < 0 || ask.inodes() < 0) throw new IllegalArgumentException("cannot reserve a negative amount");
        synchronized (this) {
            if (ask.bytes() > spec.maxBytes() - bytes) {
                throw new QuotaExceededException(
                        spec.id(),
                        "quota " + spec.id() + ": " + bytes + " + " + ask.bytes() + " bytes exceeds "
                                + spec.maxBytes());
            }
            if (ask.inodes() > spec.maxInodes() - inodes) {
                throw new QuotaExceededException(
                        spec.id(),
                        "quota " + spec.id() + ": " + inodes + " + " + ask.inodes() + " inodes exceeds "
                                + spec.maxInodes());
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
