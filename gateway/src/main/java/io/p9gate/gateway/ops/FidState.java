package io.p9gate.gateway.ops;

import io.p9gate.gateway.fs.GuardedFs;
import io.p9gate.gateway.fs.HeldXattr;
import io.p9gate.gateway.fs.OpenHandle;
import io.p9gate.gateway.fs.PendingXattr;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/** What a fid is currently for; decides which operations it accepts. */
sealed interface FidState {
    /** Names a file (attach, walk): may be walked from, stat'ed, opened. */
    record Walked() implements FidState {}

    /**
     * Claimed by a request in progress that will replace the fid ({@link GuardedFs.Claim}, {@link Fids.Held}): a
     * Tlopen, Topen, Tlcreate, Txattrcreate, or a Twalk or Txattrwalk with newfid == fid. No other such request may
     * take it until the request's record is written and the fid becomes its result. A Tclunk or Tremove of it waits
     * for {@code settled} (the result installed or the claim undone), so that it is served, and recorded, after the
     * request that claimed the fid: the log's order is the guest's causality, and the clunk sees what the fid then is
     * (an ORCLOSE file, a pending xattr value). Holds nothing of the request's result.
     */
    record Claimed(CountDownLatch settled) implements FidState {}

    /** Opened for I/O by Tlopen/Tlcreate. */
    record Opened(OpenHandle file) implements FidState {}

    /**
     * Opened by Topen of 9P2000 or 9P2000.u (open(5)): a directory is read as packed stat(5) entries through its
     * listing, and ORCLOSE removes the file when the fid is clunked.
     */
    record OpenedByTopen(Opened opened, boolean removeOnClunk, Optional<StatListing> listing) implements FidState {}

    /** Created by Txattrwalk: reads return the value (or the name list) fetched then, charged to the VM. */
    record XattrRead(String name, HeldXattr value) implements FidState {}

    /** Turned by Txattrcreate into the value being written; committed at clunk. */
    record XattrWrite(PendingXattr pending) implements FidState {}

    FidState WALKED = new Walked();
}
