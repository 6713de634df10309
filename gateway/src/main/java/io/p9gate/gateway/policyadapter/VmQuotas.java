package io.p9gate.gateway.policyadapter;

import io.p9gate.gateway.fs.FileIdentity;
import io.p9gate.gateway.fs.InodeLocks;
import io.p9gate.gateway.fs.QuotaRefused;
import io.p9gate.gateway.fs.Quotas;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.policy.quota.InodeId;
import io.p9gate.policy.quota.QuotaBook;
import io.p9gate.policy.quota.QuotaExceededException;
import io.p9gate.policy.quota.QuotaLedger;
import io.p9gate.policy.quota.ScopeScanException;
import io.p9gate.policy.quota.Usage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * {@link Quotas} of one VM over its current {@link QuotaBook} (none: nothing is limited). One instance per
 * VM, shared by its sessions; a reload replaces the book, not this.
 */
final class VmQuotas implements Quotas {
    /**
     * How long a scan waits for the VM's requests under way to settle before it goes ahead without holding them back:
     * one the host blocks (a file lease, a hung mount) must not keep the operator from reloading.
     */
    static final long SCAN_WAIT_SECONDS = 5;

    private static final System.Logger LOG = System.getLogger(VmQuotas.class.getName());

    private final InodeLocks locks = new InodeLocks();
    /** Read: a request changing what a scan counts ({@link #changing()}); write: a scan of this VM's scopes. */
    private final ReentrantReadWriteLock scanning = new ReentrantReadWriteLock();
    /** What {@link #changingOrLater} held back behind a scan, to run once it ends. Guarded by itself. */
    private final List<Runnable> heldBack = new ArrayList<>();

    private final AtomicLong moves = new AtomicLong();
    private final AtomicLong rescans = new AtomicLong();
    /** Unlinked entries still held open. Guarded by this, as is the book's replacement: a reload counts each once. */
    private final Map<FileIdentity, KeptUsage> kept = new HashMap<>();

    private volatile QuotaBook book;

    /**
     * Makes {@code fresh} (null: no quotas) current, counting in it what is unlinked but still open, while {@code vm}'s
     * requests that change what it counts wait (as for a scan, at most {@link #SCAN_WAIT_SECONDS}): a write to an
     * unlinked file settling across the swap gave back, as the file closed, growth the new book never had
     * (policyadapter.QuotaReloadSwapRaceTest).
     */
    void replace(String vm, QuotaBook fresh) {
        try (Changing _ = holdingBack(vm, "swap")) {
            swap(fresh);
        }
    }

    private synchronized void swap(QuotaBook fresh) {
        if (fresh != null) {
            kept.values().forEach(k -> k.scopesIn(fresh).forEach(l -> l.charge(k.usage())));
        }
        // Counted before the swap: a directory's settle in between counts nothing (as growth the scan missed, the
        // side docs/policy.md "Reload" takes), rather than growth the scan saw a second time into the new book.
        rescans.incrementAndGet();
        book = fresh;
    }

    /** A scan of this VM's scopes. */
    @FunctionalInterface
    interface Scan {
        QuotaBook run() throws ScopeScanException;
    }

    /**
     * Runs {@code scan} while this VM's requests that change what it counts wait (each settled before it begins): a
     * file renamed during a scan from a directory it had not reached to one it had passed was counted by neither, and
     * the VM could store it again (adversarial.QuotaReloadScanRaceAttackTest). Goes ahead without them held back after
     * {@link #SCAN_WAIT_SECONDS}, and says so.
     */
    QuotaBook whileScanning(String vm, Scan scan) throws ScopeScanException {
        try (Changing _ = holdingBack(vm, "scan")) {
            return scan.run();
        }
    }

    /**
     * The write side of {@link #scanning}, once the requests under way settled; nothing held (and a WARNING naming
     * {@code vm} and the quota {@code step}) if one is still under way after {@link #SCAN_WAIT_SECONDS}.
     */
    private Changing holdingBack(String vm, String step) {
        Lock held = scanning.writeLock();
        boolean locked;
        try {
            locked = held.tryLock(SCAN_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (locked) {
            return () -> {
                held.unlock();
                resumeHeldBack();
            };
        }
        resumeHeldBack();
        LOG.log(
                System.Logger.Level.WARNING,
                () -> "VM '" + vm + "': quota " + step + " goes ahead while a request of the VM still changes its"
                        + " scopes (waited " + SCAN_WAIT_SECONDS
                        + " s): what the VM changes meanwhile may be miscounted"
                        + " until the next reload");
        return Changing.NOTHING;
    }

    @Override
    public Changing changing() {
        Lock held = scanning.readLock();
        held.lock();
        return held::unlock;
    }

    @Override
    public Changing changingOrLater(Runnable later) {
        Lock held = scanning.readLock();
        if (tryNow(held)) {
            return held::unlock;
        }
        synchronized (heldBack) {
            // Looked at again under the monitor a scan's end takes after its unlock: a request is never left behind it.
            if (tryNow(held)) {
                return held::unlock;
            }
            if (later != null) {
                heldBack.add(later);
            }
            return null;
        }
    }

    /**
     * The read side if free now, waiting for nothing: unlike {@link Lock#tryLock()}, the timed form does not take it
     * ahead of a scan waiting for the requests under way (that wait would never end while new ones kept coming), but
     * a thread holding it already takes it again. An interrupted thread is answered as any other, its interrupt kept
     * for its owner: before, it fell back to a lock() that waited for the whole scan (QuotaScanHoldBackTest).
     */
    private static boolean tryNow(Lock read) {
        boolean interrupted = Thread.interrupted(); // the timed try refuses an interrupted thread before it tries
        try {
            while (true) {
                try {
                    return read.tryLock(0, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // interrupted again between: try once more, the flag now clear
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** After a scan or swap let go of this VM's changing requests: those {@link #changingOrLater} held back go on. */
    private void resumeHeldBack() {
        List<Runnable> due;
        synchronized (heldBack) {
            due = List.copyOf(heldBack);
            heldBack.clear();
        }
        for (Runnable later : due) {
            try {
                later.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "a request held back by a quota scan failed to go on (bug)", e);
            }
        }
    }

    /** Each quota's usage by id (nothing without quotas). */
    Map<String, Usage> usage() {
        QuotaBook b = book;
        Map<String, Usage> out = new LinkedHashMap<>();
        if (b != null) {
            b.ledgers().forEach(l -> out.put(l.spec().id(), l.used()));
        }
        return out;
    }

    /** Each quota with its limits and usage now (nothing without quotas). */
    List<PolicyQuotas.QuotaUse> use() {
        QuotaBook b = book;
        return b == null
                ? List.of()
                : b.ledgers().stream()
                        .map(l -> new PolicyQuotas.QuotaUse(l.spec(), l.used()))
                        .toList();
    }

    @Override
    public boolean isEmpty() {
        return book == null;
    }

    @Override
    public Scopes scopes(String share, String path, FileIdentity file, boolean directory) {
        QuotaBook b = book;
        return b == null
                ? Scopes.NONE
                : new BookScopes(
                        b.counting(share, PolicyAccess.policyPath(path), idOf(file), directory),
                        directory ? null : idOf(file));
    }

    @Override
    public boolean sameScopes(String share, String first, String second) {
        QuotaBook b = book;
        return b == null
                || b.covering(share, PolicyAccess.policyPath(first))
                        .equals(b.covering(share, PolicyAccess.policyPath(second)));
    }

    @Override
    public boolean holdsScopeRoot(String share, String path) {
        QuotaBook b = book;
        return b != null && b.holdsScopeRoot(share, PolicyAccess.policyPath(path));
    }

    @Override
    public void moved(FileIdentity file) {
        QuotaBook b = book;
        if (b != null) {
            b.forget(idOf(file));
        }
        moves.incrementAndGet();
    }

    @Override
    public long moves() {
        return moves.get();
    }

    @Override
    public long rescans() {
        return rescans.get();
    }

    @Override
    public void linkMade(String share, String path, FileIdentity file) {
        QuotaBook b = book;
        if (b != null) {
            b.linkMade(share, PolicyAccess.policyPath(path), idOf(file));
        }
    }

    @Override
    public void linkGone(String share, String path, FileIdentity file, long born, long bytes) {
        QuotaBook b = book;
        if (b != null) {
            b.linkGone(share, PolicyAccess.policyPath(path), idOf(file), born, new Usage(bytes, 1));
        }
    }

    @Override
    public synchronized Kept keep(
            String share, String path, FileIdentity file, boolean directory, long bytes, long inodes) {
        KeptUsage stale = kept.get(file);
        if (stale != null) {
            // Its file had this number and is freed (a name or an unlinked handle holds a number), but its release
            // was attached to the handles of whichever file held the number when it asked (OpenInodes.whenFreed).
            stale.release();
        }
        KeptUsage k = new KeptUsage(share, path, file, directory, bytes, inodes);
        kept.put(file, k);
        return k;
    }

    @Override
    public synchronized Optional<Kept> kept(FileIdentity file) {
        return Optional.ofNullable(kept.get(file));
    }

    @Override
    public InodeLocks locks() {
        return locks;
    }

    @Override
    public Optional<Room> room(String share, String path) {
        QuotaBook b = book;
        List<QuotaLedger> scopes = b == null ? List.of() : b.covering(share, PolicyAccess.policyPath(path));
        if (scopes.isEmpty()) {
            return Optional.empty();
        }
        long maxBytes = Long.MAX_VALUE;
        long bytesLeft = Long.MAX_VALUE;
        long maxInodes = Long.MAX_VALUE;
        long inodesLeft = Long.MAX_VALUE;
        for (QuotaLedger l : scopes) {
            Usage used = l.used();
            long bytes = Math.max(0, l.spec().maxBytes() - used.bytes());
            if (bytes < bytesLeft) {
                bytesLeft = bytes;
                maxBytes = l.spec().maxBytes();
            }
            long inodes = Math.max(0, l.spec().maxInodes() - used.inodes());
            if (inodes < inodesLeft) {
                inodesLeft = inodes;
                maxInodes = l.spec().maxInodes();
            }
        }
        return Optional.of(new Room(maxBytes, bytesLeft, maxInodes, inodesLeft));
    }

    private static InodeId idOf(FileIdentity file) {
        return file == null ? null : new InodeId(file.device(), file.inode());
    }

    /** An unlinked entry's usage, counted where its last name was until its last handle closes. */
    private final class KeptUsage implements Kept {
        private final String share;
        private final String path;
        private final FileIdentity file;
        private final boolean directory;
        private final long inodes;
        private long bytes; // guarded by VmQuotas.this

        KeptUsage(String share, String path, FileIdentity file, boolean directory, long bytes, long inodes) {
            this.share = share;
            this.path = path;
            this.file = file;
            this.directory = directory;
            this.bytes = bytes;
            this.inodes = inodes;
        }

        List<QuotaLedger> scopesIn(QuotaBook b) {
            return b.counting(share, PolicyAccess.policyPath(path), idOf(file), directory);
        }

        Usage usage() {
            return new Usage(bytes, inodes);
        }

        @Override
        public void resized(long size) {
            synchronized (VmQuotas.this) {
                bytes = size;
            }
        }

        @Override
        public void release() {
            synchronized (VmQuotas.this) {
                if (!kept.remove(file, this)) {
                    return;
                }
                QuotaBook b = book;
                if (b != null) {
                    Usage usage = usage();
                    scopesIn(b).forEach(l -> l.free(usage));
                    b.forget(idOf(file));
                }
            }
        }
    }

    /** The ledgers counting one entry; {@code file} is that entry if it is an existing non-directory, else null. */
    private record BookScopes(List<QuotaLedger> ledgers, InodeId file) implements Scopes {
        @Override
        public boolean isEmpty() {
            return ledgers.isEmpty();
        }

        @Override
        public Held reserve(long bytes, long inodes) throws P9Exception {
            try {
                return held(QuotaBook.reserve(ledgers, new Usage(bytes, inodes)));
            } catch (QuotaExceededException e) {
                throw new QuotaRefused(e.getMessage());
            }
        }

        @Override
        public void free(long bytes, long inodes) {
            Usage amount = new Usage(bytes, inodes);
            ledgers.forEach(l -> l.free(amount));
        }

        @Override
        public void charge(long bytes) {
            Usage amount = new Usage(bytes, 0);
            ledgers.forEach(l -> l.charge(amount));
        }

        @Override
        public void note(long born, long size) {
            if (file != null) {
                ledgers.forEach(l -> l.note(file, born, size));
            }
        }

        @Override
        public void resized(long born, long before, long now) {
            if (file != null) {
                ledgers.forEach(l -> l.resized(file, born, before, now));
            } else if (now < before) {
                free(before - now, 0);
            }
        }

        @Override
        public void lastNameGone(long born, long size) {
            if (file != null) {
                ledgers.forEach(l -> l.lastNameGone(file, born, size));
            }
        }

        @Override
        public Held moveTo(Scopes target, long born, long bytes, long inodes) throws P9Exception {
            List<QuotaLedger> to = target instanceof BookScopes t ? t.ledgers() : List.of();
            Usage amount = new Usage(bytes, inodes);
            try {
                return held(
                        file == null
                                ? QuotaBook.reserveMove(ledgers, to, amount)
                                : QuotaBook.reserveMove(ledgers, to, file, born, amount));
            } catch (QuotaExceededException e) {
                throw new QuotaRefused(e.getMessage());
            }
        }
    }

    private static Held held(QuotaBook.Reservations r) {
        return new Held() {
            @Override
            public void commit(long bytes, long inodes) {
                r.commit(new Usage(bytes, inodes));
            }

            @Override
            public void release() {
                r.release();
            }
        };
    }
}
