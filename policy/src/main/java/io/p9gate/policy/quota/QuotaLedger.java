package io.p9gate.policy.quota;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Usage accounting of one quota scope (R-POL-6). Writers reserve before they write: a reservation counts
 * against the limit at once, so two concurrent writers can never both pass a check that only one of them
 * fits. After the write the reservation is committed with what was really used (the unused part goes
 * back) or released entirely if the write failed. Deletions and truncations {@link #free} usage.
 *
 * <p>A regular file gives back, removed, truncated or moved out, only the bytes this ledger counted for it: what the
 * gateway made it grow by or moved in, plus for a file born before the scan its share of what the scan counted. What
 * another writer (the host, a VM without this quota) made or grew there was never counted; freed as a whole size,
 * floored at 0 for the scope only, it was room a VM with a full scope gained again and again.
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
    /**
     * A file born before this (epoch ns) was there for the scan. The kernel stamps files from a clock that may lag
     * this one by a tick: a file made in that tick after the scan began draws on {@link #scannedLeft} as if the scan
     * had counted it, which bounds what it gives back to what the scan counted.
     */
    private final long scannedBefore;
    /**
     * What this ledger counts of each regular file the gateway touched since the scan (resized, renamed, moved in),
     * until its last name goes through the gateway. If the host removed it and its number now names another file,
     * that one gives back what was counted of the removed one, which this ledger still counts.
     */
    private final Map<InodeId, Long> countedFiles = new ConcurrentHashMap<>();
    /**
     * What the scan counted that no file has taken or given back yet: a file born before the scan takes its count
     * from this, so all of them together give back no more than the scan counted, however another writer grew them
     * (a ledger keeps no per-file size of what its scan found). Guarded by this.
     */
    private long scannedLeft;

    /** @param initial usage found by {@link UsageScanner} when the gateway (re)starts */
    public QuotaLedger(QuotaSpec spec, Usage initial) {
        this(spec, new UsageScanner.Measured(initial, Map.of()));
    }

    /** A ledger whose scan is as if it had just begun. */
    public QuotaLedger(QuotaSpec spec, UsageScanner.Measured initial) {
        this(spec, initial, scanStartingNow());
    }

    /** @param scanStarted when the scan that measured {@code initial} began ({@link #scanStartingNow()}) */
    public QuotaLedger(QuotaSpec spec, UsageScanner.Measured initial, long scanStarted) {
        this.scannedBefore = scanStarted;
        this.scannedLeft = initial.usage().bytes();
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
     * as a directory entry) leaves the scope, and with the last name inside, as a file moved out ({@link #gone}), what
     * was counted of its bytes: its count goes with it, else the file that next took its number gave it back again.
     */
    public synchronized void linkGone(InodeId file, long born, Usage usage) {
        boolean[] last = {false};
        linkedOutside.computeIfPresent(file, (f, names) -> {
            last[0] = names <= 1;
            return last[0] ? null : names - 1;
        });
        if (!last[0]) {
            free(new Usage(0, usage.inodes()));
            return;
        }
        gone(file, born, usage);
    }

    /** The file's last name is gone (or it moved as a whole): it no longer needs following by identity. */
    public void forget(InodeId file) {
        linkedOutside.remove(file);
    }

    /** The time to give {@link #QuotaLedger(QuotaSpec, UsageScanner.Measured, long)} taken just before a scan. */
    public static long scanStartingNow() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * A regular file of {@code size} bytes, born at {@code born} (epoch ns; statx btime, else ctime), about to change
     * through the gateway (its inode locked): from now on this ledger follows what it counts of it, whatever another
     * writer adds later.
     */
    public synchronized void note(InodeId file, long born, long size) {
        counted(file, born, size);
    }

    /**
     * A regular file went from {@code before} to {@code now} bytes through the gateway (growth is reserved and
     * committed as usual): it counts what it grew by; shrinking gives back only counted bytes past {@code now}.
     */
    public synchronized void resized(InodeId file, long born, long before, long now) {
        long counted = counted(file, born, before);
        if (now >= before) {
            counts(file, counted + (now - before));
            return;
        }
        long left = Math.min(counted, now);
        counts(file, left);
        free(new Usage(counted - left, 0));
    }

    /** A regular file moved out of this scope, {@code usage} its size and name: of its bytes, what was counted goes. */
    public synchronized void gone(InodeId file, long born, Usage usage) {
        long counted = counted(file, born, usage.bytes());
        countedFiles.remove(file);
        free(new Usage(Math.min(counted, usage.bytes()), usage.inodes()));
    }

    /**
     * A regular file's last name went: what this ledger never counted of its {@code size} is charged now, so that its
     * usage, freed whole at its last close, gives back only what was counted (by then the number may be another
     * file's, so nothing about it stays here).
     */
    public synchronized void lastNameGone(InodeId file, long born, long size) {
        long counted = counted(file, born, size);
        countedFiles.remove(file);
        charge(new Usage(size - Math.min(counted, size), 0));
    }

    /**
     * A regular file moved in, now counted here whole, {@code bytes}. A count of 0 is kept as no entry (a file not
     * followed counts 0 but what the scan counted, within the scan's total): otherwise a VM's rename loop of symlinks
     * or empty files between two scopes grew the map by an entry a round, at no cost to its quota.
     */
    public synchronized void counts(InodeId file, long bytes) {
        if (!follows() || bytes == 0) {
            countedFiles.remove(file);
        } else {
            countedFiles.put(file, bytes);
        }
    }

    /** How many files this ledger follows a count of (its memory: about 100 bytes each). */
    public synchronized int filesFollowed() {
        return countedFiles.size();
    }

    /**
     * Whether this ledger follows files at all: a scope of unlimited bytes has no room a VM could gain, and its map,
     * bounded by no limit, would grow by every file a VM touches there (about 100 bytes each).
     */
    private boolean follows() {
        return spec.maxBytes() != QuotaSpec.UNLIMITED;
    }

    /** What this ledger counts of the file, followed from now on. */
    private long counted(InodeId file, long born, long size) {
        if (!follows()) {
            return size;
        }
        Long c = countedFiles.get(file);
        if (c != null) {
            return c;
        }
        long counted = fromScan(born, size);
        counts(file, counted);
        return counted;
    }

    /**
     * What the scan counted of a file not followed yet: for one born after it, nothing (another writer made it); for
     * one born before, its size, as far as the scan's count not yet taken by others goes.
     */
    private long fromScan(long born, long size) {
        if (born >= scannedBefore) {
            return 0;
        }
        long counted = Math.min(size, scannedLeft);
        scannedLeft -= counted;
        return counted;
    }

    /** Current usage, including outstanding reservations. */
    public synchronized Usage used() {
        return new Usage(bytes, inodes);
    }

    /**
     * Takes {@code ask} from the quota or, if it would exceed a limit, takes nothing. A scope past its bytes refuses
     * even an ask of no bytes; past its inodes, only an ask of some.
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
            // Bytes are asked even for none: a scope past them refuses a new entry, whose directory's growth is only
            // counted after it is made. An inode is never counted so: a write that adds none (ask 0) needs bytes only.
            if (ask.inodes() > 0 && ask.inodes() > spec.maxInodes() - inodes) {
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
