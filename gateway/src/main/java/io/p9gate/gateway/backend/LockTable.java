package io.p9gate.gateway.backend;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * POSIX byte-range locks for Tlock/Tgetlock, shared by every session of the gateway so that locks
 * conflict across sessions and guests. An owner's new lock replaces its own locks on the range
 * (splitting them), adjacent or overlapping ranges of one owner and type merge; read locks of
 * different owners coexist, a write lock conflicts with any other owner's overlapping lock.
 * A conflicting request is answered "blocked" and never waits here: the Linux client retries.
 * Changes lock one file's entry, not the table (see {@link #locks}).
 * Every range held counts against its owner's lock budget (its VM's, R-ROB-2): a lock that would need more
 * entries than are left is refused with ENOLCK and changes nothing, as is one that would give a file more than
 * {@link #MAX_RANGES_PER_FILE} ranges of its VM.
 */
public final class LockTable {
    /**
     * Who holds a lock: the guest process (proc_id, client_id) within one session, and the budget its entries
     * are counted against (one per VM, so owners of one session are equal exactly when their ids are).
     */
    public record Owner(long sessionId, int procId, String clientId, Allowance entries) {
        private static final Allowance UNCOUNTED = Allowance.unlimited("budget.locks");

        /** An owner whose entries no budget limits. */
        public Owner(long sessionId, int procId, String clientId) {
            this(sessionId, procId, clientId, UNCOUNTED);
        }
    }

    /** A held range [start, end) ({@code end == Long.MAX_VALUE}: to the end of file and beyond). */
    public record Range(int type, long start, long end, Owner owner) {
        boolean overlaps(long s, long e) {
            return start < e && s < end;
        }

        /** The 9P length of this range (0 = to end of file). */
        public long length() {
            return end == Long.MAX_VALUE ? 0 : end - start;
        }
    }

    /**
     * The most ranges one VM (one lock budget) holds on one file; a file holds at most this many per VM. Every Tlock copies and scans its file's list under that file's
     * lock (once this table's one lock, which every VM's Tlock, Tgetlock, clunk and session close took): unbounded,
     * one VM holding 40,000 disjoint ranges on a file made each of its Tlocks hold that lock 2.2 ms. Real programs hold a few ranges a file
     * (a database: a handful); past this a lock that would add ranges is ENOLCK, as fcntl(2) says when its table is
     * full.
     */
    static final int MAX_RANGES_PER_FILE = 1024;

    /**
     * Each file's ranges, an immutable list replaced whole. Partitioned by file: a change runs in
     * {@link ConcurrentHashMap#compute}, which locks that file's entry (its hash bin) only, so one VM's lock flood on
     * its file (each Tlock copying and scanning up to {@link #MAX_RANGES_PER_FILE} ranges) holds up no other VM's
     * locking on other files; reads take a published list without locking.
     */
    private final ConcurrentHashMap<FileKey, List<Range>> locks = new ConcurrentHashMap<>();
    /** Test seam: runs inside {@link #lock} while the request's file is locked. */
    private final Consumer<FileKey> whileLocked;

    public LockTable() {
        this(file -> {});
    }

    LockTable(Consumer<FileKey> whileLocked) {
        this.whileLocked = whileLocked;
    }

    /** Carries a refusal out of {@link ConcurrentHashMap#compute}, which takes no checked exception. */
    private static final class Refused extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        Refused(P9Exception cause) {
            super(cause);
        }
    }

    /** Applies a lock or unlock; returns LOCK_SUCCESS or LOCK_BLOCKED. */
    public int lock(FileKey file, Owner owner, int type, long start, long length) throws P9Exception {
        long end = end(start, length);
        int[] result = {LockConstants.LOCK_SUCCESS};
        try {
            locks.compute(file, (key, current) -> {
                List<Range> held = current == null ? List.of() : current;
                whileLocked.accept(key);
                if (type != LockConstants.LOCK_TYPE_UNLCK
                        && conflict(held, owner, type, start, end).isPresent()) {
                    result[0] = LockConstants.LOCK_BLOCKED;
                    return current;
                }
                try {
                    return stored(applied(held, owner, type, start, end));
                } catch (P9Exception e) {
                    throw new Refused(e);
                }
            });
        } catch (Refused r) {
            throw (P9Exception) r.getCause();
        }
        return result[0];
    }

    /** The ranges after {@code owner}'s request on {@code held}, its lock budget charged or credited the change. */
    private static List<Range> applied(List<Range> held, Owner owner, int type, long start, long end)
            throws P9Exception {
        List<Range> next = new ArrayList<>();
        for (Range r : held) {
            if (!r.owner().equals(owner) || !r.overlaps(start, end)) {
                next.add(r);
                continue;
            }
            if (r.start() < start) {
                next.add(new Range(r.type(), r.start(), start, owner));
            }
            if (r.end() > end) {
                next.add(new Range(r.type(), end, r.end(), owner));
            }
        }
        if (type != LockConstants.LOCK_TYPE_UNLCK) {
            next.add(merged(next, new Range(type, start, end, owner)));
        }
        // Counted per budget (per VM), not over all owners: else one VM, with read access only, filled a shared
        // file's table and every other VM's Tlock there was ENOLCK (adversarial.LockRangeCapAttackTest).
        long vmNext = heldByVm(next, owner);
        if (vmNext > MAX_RANGES_PER_FILE && vmNext > heldByVm(held, owner)) {
            throw new P9Exception(
                    Errno.ENOLCK, "a VM holds at most " + MAX_RANGES_PER_FILE + " lock ranges on one file");
        }
        long growth = heldBy(next, owner) - heldBy(held, owner);
        if (growth > 0) {
            owner.entries().acquire(growth);
        } else {
            owner.entries().release(-growth);
        }
        return next;
    }

    /**
     * The first lock of another owner that would block this request, if any (Tgetlock). The Linux client asks every
     * F_GETLK as UNLCK (v9fs_file_getlock sends the type its local test left, F_UNLCK), the type the program asked
     * lost: that query is answered as a write lock's, any other owner's lock over the range. Answered "none", no
     * guest ever saw another VM's lock; this way an F_GETLK of F_WRLCK, the usual one, is exact, and one of F_RDLCK
     * sees another's read lock too.
     */
    public Optional<Range> test(FileKey file, Owner owner, int type, long start, long length) throws P9Exception {
        int asked = type == LockConstants.LOCK_TYPE_UNLCK ? LockConstants.LOCK_TYPE_WRLCK : type;
        return conflict(locks.getOrDefault(file, List.of()), owner, asked, start, end(start, length));
    }

    /** Drops every lock {@code owner} holds on {@code file} (its fid was clunked). */
    public void release(FileKey file, Owner owner) {
        locks.computeIfPresent(file, (key, held) -> {
            owner.entries().release(heldBy(held, owner));
            return stored(held.stream().filter(r -> !r.owner().equals(owner)).toList());
        });
    }

    /** Drops the locks of {@code type} {@code owner} holds on {@code file}, keeping its others (a reload refused them). */
    public void release(FileKey file, Owner owner, int type) {
        locks.computeIfPresent(file, (key, held) -> {
            List<Range> kept = new ArrayList<>();
            for (Range r : held) {
                if (r.owner().equals(owner) && r.type() == type) {
                    owner.entries().release(1);
                } else {
                    kept.add(r);
                }
            }
            return stored(kept);
        });
    }

    /**
     * Makes the write locks {@code owner} holds on {@code file} read locks of the same ranges (a reload took its write
     * access but not its read). Never blocked: no other owner holds a lock over a write lock's range; never more
     * ranges or entries than before (a read lock next to one merges with it).
     */
    public void downgrade(FileKey file, Owner owner) {
        locks.computeIfPresent(file, (key, held) -> {
            List<Range> next = held;
            for (Range r : held) {
                if (r.owner().equals(owner) && r.type() == LockConstants.LOCK_TYPE_WRLCK) {
                    try {
                        next = applied(next, owner, LockConstants.LOCK_TYPE_RDLCK, r.start(), r.end());
                    } catch (P9Exception e) {
                        throw new IllegalStateException("a downgrade never adds ranges", e);
                    }
                }
            }
            return stored(next);
        });
    }

    /**
     * Drops every lock of a session (the connection closed). Only the files where it holds ranges are locked, one
     * at a time: a session that held none waits for no other VM's Tlock.
     */
    public void releaseSession(long sessionId) {
        for (Map.Entry<FileKey, List<Range>> e : locks.entrySet()) {
            if (e.getValue().stream().noneMatch(r -> r.owner().sessionId() == sessionId)) {
                continue;
            }
            locks.computeIfPresent(e.getKey(), (key, held) -> {
                List<Range> kept = new ArrayList<>();
                for (Range r : held) {
                    if (r.owner().sessionId() != sessionId) {
                        kept.add(r);
                    } else {
                        r.owner().entries().release(1);
                    }
                }
                return stored(kept);
            });
        }
    }

    /** How many files have locks (entries for files without locks are never kept). */
    public int lockedFiles() {
        return locks.size();
    }

    public List<Range> held(FileKey file) {
        return List.copyOf(locks.getOrDefault(file, List.of()));
    }

    /** The ranges of every owner counted against {@code owner}'s budget: its VM's. */
    private static long heldByVm(List<Range> ranges, Owner owner) {
        return ranges.stream()
                .filter(r -> r.owner().entries() == owner.entries())
                .count();
    }

    private static long heldBy(List<Range> ranges, Owner owner) {
        return ranges.stream().filter(r -> r.owner().equals(owner)).count();
    }

    private static Optional<Range> conflict(List<Range> held, Owner owner, int type, long start, long end) {
        return held.stream()
                .filter(r -> !r.owner().equals(owner) && r.overlaps(start, end))
                .filter(r -> type == LockConstants.LOCK_TYPE_WRLCK || r.type() == LockConstants.LOCK_TYPE_WRLCK)
                .findFirst();
    }

    /** Absorbs the owner's same-type ranges that touch {@code range} into one range (removing them from {@code list}). */
    private static Range merged(List<Range> list, Range range) {
        long start = range.start();
        long end = range.end();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (var it = list.iterator(); it.hasNext(); ) {
                Range r = it.next();
                if (r.owner().equals(range.owner())
                        && r.type() == range.type()
                        && r.start() <= end
                        && start <= r.end()) {
                    start = Math.min(start, r.start());
                    end = Math.max(end, r.end());
                    it.remove();
                    grew = true;
                }
            }
        }
        return new Range(range.type(), start, end, range.owner());
    }

    /** What a file's entry becomes: null (no entry) when it holds no ranges. */
    private static List<Range> stored(List<Range> ranges) {
        return ranges.isEmpty() ? null : List.copyOf(ranges);
    }

    /**
     * The end of {@code length} bytes from {@code start} (0: to the end of file and beyond). As fcntl(2) F_SETLK and
     * F_GETLK answer (flock_to_posix_lock): a start beyond 2^63 - 1 is EINVAL, a range whose last byte is beyond it
     * EOVERFLOW; one whose last byte is 2^63 - 1 reaches as far as a lock to the end of file.
     */
    private static long end(long start, long length) throws P9Exception {
        if (start < 0 || length < 0) {
            throw new P9Exception(Errno.EINVAL, "lock range beyond 2^63");
        }
        if (length == 0) {
            return Long.MAX_VALUE;
        }
        if (length - 1 > Long.MAX_VALUE - start) {
            throw new P9Exception(Errno.EOVERFLOW, "lock range ends beyond 2^63 - 1");
        }
        long end = start + length;
        return end < 0 ? Long.MAX_VALUE : end; // 2^63: its last byte is the last there is
    }

    /** Checks a lock type from the wire. */
    public static void checkType(int type) throws P9Exception {
        if (type != LockConstants.LOCK_TYPE_RDLCK
                && type != LockConstants.LOCK_TYPE_WRLCK
                && type != LockConstants.LOCK_TYPE_UNLCK) {
            throw new P9Exception(Errno.EINVAL, "lock type " + type);
        }
    }
}
