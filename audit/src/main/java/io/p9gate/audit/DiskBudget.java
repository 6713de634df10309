package io.p9gate.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
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
 * Below 20 % each VM may also add only its share of those 20 % ({@link VmShares}): past it, its own records are
 * refused (EIO), outcomes of changes it was allowed excepted, so that one VM cannot refuse the others' changes.
 * Each change of state is logged (WARNING, ERROR once changes stop) and recorded as a {@code log_budget} record.
 * The log's own records (checkpoints, start, shutdown, policy and key events) are always written: there are few,
 * and without them the log could not be verified. Free space is sampled every {@link #SAMPLE_BYTES} written,
 * and at every record once the budget is within twice that. Guest data the gateway writes on the log's file system
 * counts against the free space too ({@link #admits(Kind, String, long, long, long)}): it is refused before the last
 * 20 %, and a change that makes an inode there (a file, directory, symlink, node) is refused when the file system's
 * free inodes are down to {@link #MIN_FREE_INODES}, which the log's rotations need.
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
        /** A look, a denial, a session event: recorded as long as anything fits and the VM has its share. */
        RECORD,
        /**
         * How a change the budget admitted turned out: recorded as long as anything fits, past the VM's share too
         * (there is at most one per admitted change).
         */
        OUTCOME,
        /** The log's own records: always written. */
        INTERNAL
    }

    /** Whether a record may be written, and if not, why. */
    enum Verdict {
        ADMITTED,
        CHANGES_REFUSED,
        FULL,
        VM_SHARE_USED,
        /** The change's guest data would go into the last 20 % of free space, kept for records (ENOSPC). */
        NO_ROOM_FOR_DATA
    }

    static final long SAMPLE_BYTES = 256 << 10;
    /**
     * Free inodes guest changes on the log's file system never take (with a free-space reserve): each rotation makes
     * the log's next spare segment file, and without an inode the next rotation fails and every VM's records with it.
     */
    static final long MIN_FREE_INODES = 1024;
    /** Inodes made between two readings of the free inodes, when far from {@link #MIN_FREE_INODES}. */
    private static final long SAMPLE_INODES = 64;

    private final long maxBytes;
    private final long minFreeBytes;
    private final long scale;
    private final LongSupplier usableSpace;
    private final LongSupplier freeInodes;
    private long inodes = Long.MAX_VALUE;
    /** Starts at a full sample: read at the first change that makes an inode. */
    private long inodesSinceSample = SAMPLE_INODES;
    /** Atomic: the checkpoint thread counts its notes without the append lock. */
    private final AtomicLong used;

    private final VmShares shares;
    /** What was left when the last record was admitted: whether its bytes count against its VM's share. */
    private long leftAtAdmission = Long.MAX_VALUE;

    private long usable = Long.MAX_VALUE;
    /** Starts at a full sample, so that free space is read at the first question (not before: it is not asked). */
    private long writtenSinceSample = SAMPLE_BYTES;

    private State state = State.OK;

    /**
     * @param used        bytes the log's files hold already
     * @param usableSpace the file system's usable bytes now (sampled, see above)
     */
    DiskBudget(long maxBytes, long minFreeBytes, long used, LongSupplier usableSpace) {
        this(maxBytes, minFreeBytes, used, usableSpace, 0);
    }

    /** @param vms the VMs the gateway serves, which share the last 20 % (0: the VMs seen in records) */
    DiskBudget(long maxBytes, long minFreeBytes, long used, LongSupplier usableSpace, int vms) {
        this(maxBytes, minFreeBytes, used, usableSpace, () -> FreeInodes.UNCOUNTED, vms);
    }

    /** @param freeInodes the file system's free inodes now ({@link FreeInodes#UNCOUNTED} if it counts none) */
    DiskBudget(
            long maxBytes, long minFreeBytes, long used, LongSupplier usableSpace, LongSupplier freeInodes, int vms) {
        this.freeInodes = freeInodes;
        this.maxBytes = maxBytes;
        this.minFreeBytes = minFreeBytes;
        this.scale = maxBytes > 0 ? maxBytes : minFreeBytes;
        this.used = new AtomicLong(used);
        this.usableSpace = usableSpace;
        this.shares = new VmShares(scale / 5, vms);
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
     * Whether a record of {@code bytes} of {@code vm} (null: no VM's) may be written now, after moving to the state
     * the budget is in. Call {@link #wrote} once it is written. Not thread-safe: under the log's append lock.
     */
    Verdict admits(Kind kind, String vm, long bytes) {
        if (!enabled() || kind == Kind.INTERNAL) {
            return Verdict.ADMITTED;
        }
        if (vm != null) {
            shares.saw(vm);
        }
        long left = remaining();
        if (kind == Kind.CHANGE && left - bytes < scale / 20) {
            return Verdict.CHANGES_REFUSED;
        }
        if (left - bytes < 0) {
            return Verdict.FULL;
        }
        leftAtAdmission = left;
        if (vm == null || kind == Kind.OUTCOME || left - bytes >= scale / 5) {
            return Verdict.ADMITTED;
        }
        return shares.admits(vm, bytes) ? Verdict.ADMITTED : Verdict.VM_SHARE_USED;
    }

    /**
     * As {@link #admits(Kind, String, long)}, for a change that will also write {@code data} bytes of guest data on
     * the log's file system (a Twrite to a share there). That data takes the free space the records need, so it
     * counts against the free-space reserve (not {@code maxBytes}, which bounds the log's own files) and never goes
     * into the last 20 %: there the change is refused, and only records of every VM go in.
     */
    Verdict admits(Kind kind, String vm, long bytes, long data) {
        return admits(kind, vm, bytes, data, 0);
    }

    /**
     * As {@link #admits(Kind, String, long, long)}, for a change that also makes {@code newInodes} inodes on the log's
     * file system: refused as data is when they would take the last {@link #MIN_FREE_INODES} free ones.
     */
    Verdict admits(Kind kind, String vm, long bytes, long data, long newInodes) {
        if (enabled() && minFreeBytes > 0) {
            if (data > 0 && freeLeft() - bytes - data < scale / 5) {
                return Verdict.NO_ROOM_FOR_DATA;
            }
            if (newInodes > 0 && inodesLeft() - newInodes < MIN_FREE_INODES) {
                return Verdict.NO_ROOM_FOR_DATA;
            }
        }
        return admits(kind, vm, bytes);
    }

    /**
     * As {@link #wrote(Kind, String, long)}, for a change admitted with {@code data} bytes of guest data: counted as
     * taken until the next sample of free space (due after {@link #SAMPLE_BYTES} of records and data together) says
     * what the file system really has.
     */
    void wrote(Kind kind, String vm, long bytes, long data) {
        wrote(kind, vm, bytes, data, 0);
    }

    /** As {@link #wrote(Kind, String, long, long)}, the change also making {@code newInodes} inodes. */
    void wrote(Kind kind, String vm, long bytes, long data, long newInodes) {
        wrote(kind, vm, bytes);
        if (minFreeBytes > 0) {
            writtenSinceSample += data;
            inodesSinceSample += newInodes;
        }
    }

    /** Counts bytes of {@code vm}'s record (null: no VM's) written to a segment; under the append lock. */
    void wrote(Kind kind, String vm, long bytes) {
        wrote(bytes);
        if (enabled() && vm != null && kind != Kind.INTERNAL && leftAtAdmission - bytes < scale / 5) {
            shares.charge(vm, bytes);
        }
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
        State was = state;
        if (left < 8 << 10) {
            state = State.FULL;
        } else if (left < scale / 20) {
            state = State.CHANGES_REFUSED;
        } else if (left < scale / 5) {
            state = State.LOW;
        } else {
            state = State.OK;
            if (was != State.OK) {
                shares.leftZone(); // room was made: the shares start afresh
            }
        }
        return state;
    }

    /** How the budget stands, for log lines and the {@code log_budget} record. */
    String describe() {
        return "state=" + state.wire() + " used=" + used.get() + (maxBytes > 0 ? " max_bytes=" + maxBytes : "")
                + (minFreeBytes > 0 ? " usable=" + usable + " min_free=" + minFreeBytes : "")
                + " remaining=" + remaining();
    }

    /** A VM refused for having used its share, once per time the budget goes below 20 %; for the log. */
    Optional<String> nextVmRefused() {
        return shares.nextRefused();
    }

    /**
     * Whose share it is, for messages: a VM's, or that of the records of no VM ("": connections the transport refused
     * before it named a VM), which read "VM  used its share" before.
     */
    static String whose(String vm) {
        return vm.isEmpty() ? "the pool of connections refused before they named a VM" : "VM " + vm;
    }

    /** How a VM stands against its share, for the log line and {@code log_budget} record that refuse it. */
    String describeShare(String vm) {
        return "vm=" + vm + " vm_used=" + shares.used(vm) + " vm_share=" + shares.share(vm);
    }

    private long remaining() {
        long left = Long.MAX_VALUE;
        if (maxBytes > 0) {
            left = maxBytes - used.get();
        }
        return minFreeBytes > 0 ? Math.min(left, freeLeft()) : left;
    }

    /** Free inodes, less those made since they were read (read again every few, and at each near the reserve). */
    private long inodesLeft() {
        if (inodesSinceSample >= SAMPLE_INODES || inodes - inodesSinceSample - MIN_FREE_INODES < 2 * SAMPLE_INODES) {
            inodes = freeInodes.getAsLong();
            inodesSinceSample = 0;
        }
        return inodes - inodesSinceSample;
    }

    /** Usable space above the reserve, less what was written since it was sampled (sampled again when due). */
    private long freeLeft() {
        if (writtenSinceSample >= SAMPLE_BYTES || usable - minFreeBytes < 2 * SAMPLE_BYTES) {
            usable = usableSpace.getAsLong();
            writtenSinceSample = 0;
        }
        return usable - writtenSinceSample - minFreeBytes;
    }
}
