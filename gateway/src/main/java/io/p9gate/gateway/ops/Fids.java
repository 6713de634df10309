package io.p9gate.gateway.ops;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.fs.FidLockOwners;
import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.SessionLocks;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * The fid table of one session; safe for the concurrent requests of that session. Every fid in it is counted
 * against the VM's fid budget (R-ROB-2), which a request claims before it does any work.
 */
final class Fids {
    private final ConcurrentHashMap<Integer, Fid> table = new ConcurrentHashMap<>();
    private final Allowance budget;

    /** Without a budget. */
    Fids() {
        this(Allowance.unlimited("budget.fids"));
    }

    Fids(Allowance budget) {
        this.budget = budget;
    }

    /**
     * The number a request that adds a fid holds until it installs its fid: taken for another request (in use), yet
     * no fid to any (unknown), as the guest has not been answered yet. A record that no real fid equals.
     */
    private static final Fid RESERVED = new Fid(null, null, FidState.WALKED, new FidLockOwners());

    /**
     * The number and one fid of the budget, taken for a request that will add a fid, given back by {@link #close}
     * unless a fid was installed with it.
     */
    final class Claim implements AutoCloseable {
        private final int fid;
        private int held;

        private Claim(int fid, int held) {
            this.fid = fid;
            this.held = held;
        }

        private void installed() {
            held = 0;
        }

        @Override
        public void close() {
            if (held > 0) {
                table.remove(fid, RESERVED);
                budget.release(held);
                held = 0;
            }
        }
    }

    /**
     * Claims {@code newfid} for a request that adds it, before the request does any work: EINVAL if the number is
     * taken (or held by another such request), then the budget's refusal. Held from here to the install, so no
     * request into the same number can take it after this one is decided and recorded. Nothing for a request that
     * replaces its own fid ({@code adds} false).
     */
    Claim claim(int newfid, boolean adds) throws P9Exception {
        if (!adds) {
            return new Claim(newfid, 0);
        }
        if (table.putIfAbsent(newfid, RESERVED) != null) {
            throw inUse(newfid);
        }
        try {
            budget.acquire(1);
        } catch (OverBudget e) {
            table.remove(newfid, RESERVED);
            throw e;
        }
        return new Claim(newfid, 1);
    }

    /**
     * Whether {@code held} is only walked, as a create, open or xattr create needs its fid; one that a request in flight
     * has claimed is refused here, EINVAL and no record, as any fid in use (docs/filesystem.md), not taken for the
     * recorded refusal of an open fid that its state, not yet settled, would look like.
     */
    static boolean walked(int fid, Fid held) throws P9Exception {
        return switch (held.state()) {
            case FidState.Walked _ -> true;
            case FidState.Claimed _ -> throw inUse(fid);
            case FidState.Opened _, FidState.OpenedByTopen _, FidState.XattrRead _, FidState.XattrWrite _ -> false;
        };
    }

    private static P9Exception inUse(int fid) {
        return new P9Exception(Errno.EINVAL, "fid " + Integer.toUnsignedString(fid) + " in use");
    }

    /** The fid, or null if the session has none by that number. */
    Fid find(int fid) {
        Fid f = table.get(fid);
        return f == RESERVED ? null : f;
    }

    Fid get(int fid) throws P9Exception {
        Fid f = find(fid);
        if (f == null) {
            throw new P9Exception(Errno.EBADF, "unknown fid " + Integer.toUnsignedString(fid));
        }
        return f;
    }

    /**
     * The fid as the file it names, for a request that acts on a file or a directory (walk, getattr, setattr, statfs,
     * readlink, an entry request's fid or dfid): EBADF, unrecorded as an unknown fid, for an xattr fid, which holds an
     * attribute's value to read or write and names no file to act on (the Linux client only reads, writes and clunks
     * it; a Tmkdir through a directory's made the directory).
     */
    Fid file(int fid) throws P9Exception {
        Fid f = get(fid);
        if (f.state() instanceof FidState.XattrRead || f.state() instanceof FidState.XattrWrite) {
            throw new P9Exception(
                    Errno.EBADF, "fid " + Integer.toUnsignedString(fid) + " holds an extended attribute, not a file");
        }
        return f;
    }

    /** Installs the fid whose number {@code claim} holds. */
    void add(int fid, Fid value, Claim claim) throws P9Exception {
        if (claim.fid != fid || claim.held == 0 || !table.replace(fid, RESERVED, value)) {
            throw inUse(fid); // not this claim's number: a caller's mistake, refused as a taken number
        }
        claim.installed();
    }

    /** Swaps a fid's value if nobody changed it meanwhile (EBADF otherwise). */
    void replace(int fid, Fid expected, Fid value) throws P9Exception {
        if (!swap(fid, expected, value)) {
            throw changedConcurrently(fid);
        }
    }

    private static P9Exception changedConcurrently(int fid) {
        return new P9Exception(Errno.EBADF, "fid " + Integer.toUnsignedString(fid) + " changed concurrently");
    }

    /** Swaps a fid's value if nobody changed it meanwhile; whether it did. */
    boolean swap(int fid, Fid expected, Fid value) {
        return table.replace(fid, expected, value);
    }

    /**
     * The claim of a Twalk or Txattrwalk with newfid == fid ({@link Held}), taken inside its guarded call once the
     * walk resolved: EBADF if {@code fid} is no longer {@code walked}; else the fid is the walk's until
     * {@link #install} puts the result in its place (an open of it meanwhile is refused, a clunk waits). A walk into
     * a new fid claims nothing.
     */
    Held inPlace(int fid, int newfid, Fid walked) throws P9Exception {
        if (newfid == fid && !(walked.state() instanceof FidState.Walked)) {
            // Open, claimed by a request still settling it, or holding an xattr (a pending value): taking it would
            // drop what it holds (an open file, an ORCLOSE's removal), or the other request's result. walk(5): an
            // open fid is not walked; EINVAL before any decision, as QEMU answers, in every dialect. The Linux client
            // never walks an open fid in place, and clones one (newfid != fid), which stays allowed.
            throw new P9Exception(
                    Errno.EINVAL, "fid " + Integer.toUnsignedString(fid) + " is open or in use: not walked in place");
        }
        return new Held(fid, walked, newfid == fid);
    }

    /**
     * Installs the result of a walk (or xattrwalk): as a new fid, or in place of {@code fid} when newfid == fid
     * ({@code held}, claimed by {@link #inPlace}), releasing what it replaced. A new fid goes to the number
     * {@code claim} holds. In place, only the session's end can have let go of the claimed fid meanwhile; then
     * {@code value}, which nothing holds, is released (as it is if the install fails).
     */
    void install(int fid, Fid previous, int newfid, Fid value, SessionLocks locks, Claim claim, Held held)
            throws P9Exception {
        if (newfid == fid) {
            (held.complete(value) ? previous : value).release(locks);
            return;
        }
        try {
            add(newfid, value, claim);
        } catch (P9Exception e) {
            value.release(locks);
            throw e;
        }
    }

    /**
     * Takes a fid out for a Tclunk or Tremove; one claimed by a request in progress ({@link FidState.Claimed}) once
     * that request has settled it, so the clunk comes after it in the log as it does for the guest.
     */
    Fid remove(int fid) throws P9Exception {
        while (true) {
            Fid f = get(fid);
            if (f.state() instanceof FidState.Claimed(var settled)) {
                awaitSettled(settled);
            } else if (table.remove(fid, f)) {
                budget.release(1);
                return f;
            }
        }
    }

    private static void awaitSettled(CountDownLatch settled) throws P9Exception {
        try {
            settled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new P9Exception(Errno.EINTR, "interrupted while the fid was claimed");
        }
    }

    /** A claim of {@code fid}, now {@code before}, for a request that will replace it ({@link Held}). */
    Held hold(int fid, Fid before) {
        return new Held(fid, before, true);
    }

    /**
     * The fid of a request that replaces it (an open, a Txattrcreate, a walk in place), claimed inside its guarded
     * call ({@link GuardedFs.Claim}): a fid changed or clunked before is EBADF, as the request's record says. Settled once: by {@link #complete} after
     * the record is written, by {@link #undo} if the request failed after the claim, or at {@link #close} (undone) if
     * neither ran; a Tclunk or Tremove waits for that ({@link #remove}).
     */
    final class Held implements GuardedFs.Claim, AutoCloseable {
        private final int fid;
        private final Fid before;
        /** False for a walk into a new fid: nothing to claim. */
        private final boolean claims;

        private Fid claimed;
        private boolean settled;

        private Held(int fid, Fid before, boolean claims) {
            this.fid = fid;
            this.before = before;
            this.claims = claims;
        }

        @Override
        public void claim() throws P9Exception {
            if (!claims) {
                return;
            }
            Fid c = before.withState(new FidState.Claimed(new CountDownLatch(1)));
            replace(fid, before, c);
            claimed = c;
        }

        @Override
        public void undo() {
            if (claimed != null && !settled) {
                swap(fid, claimed, before);
                settle();
            }
        }

        /**
         * The fid becomes {@code value}. False if it was let go of meanwhile (the session's end): the request
         * succeeded before, as recorded, and what it made is the caller's to release.
         */
        boolean complete(Fid value) {
            boolean installed = claimed != null && !settled && swap(fid, claimed, value);
            settle();
            return installed;
        }

        private void settle() {
            if (claimed != null && !settled) {
                settled = true;
                ((FidState.Claimed) claimed.state()).settled().countDown();
            }
        }

        @Override
        public void close() {
            undo();
        }
    }

    /** The fids through which the session took locks it may still hold (each such owner is a lock budget entry). */
    List<Fid> locking() {
        List<Fid> locking = new ArrayList<>();
        for (Fid f : table.values()) {
            if (f != RESERVED && !f.lockOwners().isEmpty()) {
                locking.add(f);
            }
        }
        return locking;
    }

    /** Whether a fid of the table is one {@code which} takes. */
    boolean any(Predicate<Fid> which) {
        for (Fid f : table.values()) {
            if (f != RESERVED && which.test(f)) {
                return true;
            }
        }
        return false;
    }

    List<Fid> drain() {
        List<Fid> all = new ArrayList<>();
        for (Integer fid : List.copyOf(table.keySet())) {
            Fid f = table.get(fid);
            if (f != null && f != RESERVED && table.remove(fid, f)) {
                all.add(f);
            }
        }
        budget.release(all.size());
        return all;
    }
}
