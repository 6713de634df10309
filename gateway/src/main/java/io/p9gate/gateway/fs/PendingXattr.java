package io.p9gate.gateway.fs;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An extended attribute value being written through a Txattrcreate fid: Twrites fill it, the
 * clunk commits it. A zero-size value removes the attribute (as the Linux client expects).
 *
 * <p>The announced size is held in memory until the fid goes, so it is charged to the VM being served
 * before the buffer exists (R-ROB-2): past the VM's pending-xattr budget Txattrcreate is refused (ENOSPC)
 * instead of the gateway running out of heap. {@link #release} gives it back.
 */
public final class PendingXattr {
    private final String name;
    private final int flags;
    private final byte[] value;
    private final Allowance budget;
    private final AtomicBoolean released = new AtomicBoolean();
    /**
     * The bytes of {@link #value} some Twrite filled. Not the end of the furthest write: a guest that writes only
     * the tail (or the same bytes twice) has not written the value, and the bytes it skipped would be committed as
     * zeros it never sent (and recorded as the value it set).
     */
    private final BitSet written = new BitSet();
    /**
     * Taken for its commit or let go of: no Twrite fills it any more. A Twrite that looked up the fid before its
     * Tclunk may run after the clunk took the value; answered Rwrite then, its bytes would be acknowledged (and
     * recorded as written) yet never set. Guarded by this.
     */
    private boolean sealed;

    public PendingXattr(String name, int size, int flags) throws OverBudget {
        this.budget = VmBudget.current().xattrBytes();
        budget.acquire(size);
        this.name = name;
        this.flags = flags;
        this.value = new byte[size];
    }

    /** The fid holding it is gone (committed, clunked or its session closed); once. */
    public void release() {
        seal();
        if (released.compareAndSet(false, true)) {
            budget.release(value.length);
        }
    }

    private synchronized void seal() {
        sealed = true;
    }

    public String name() {
        return name;
    }

    /** The value's size the Txattrcreate announced (what setting it takes on the host), filled or not. */
    public int size() {
        return value.length;
    }

    public int flags() {
        return flags;
    }

    /**
     * Fills {@code data} in at {@code offset}: a negative offset (2^63 and above on the wire) is EINVAL, a write past
     * the size Txattrcreate announced EFBIG, as pwrite(2) answers past a file's maximum size. The bound is checked
     * without computing {@code offset + n}, which overflows for offsets near 2^63.
     */
    synchronized int write(long offset, ByteBuffer data) throws P9Exception {
        if (sealed) {
            throw new P9Exception(Errno.EBADF, "xattr value already committed or released: its fid was clunked");
        }
        int n = data.remaining();
        if (offset < 0) {
            // a u64 from 2^63 on, which pwrite(2) takes as negative: said as the guest sent it
            throw new P9Exception(
                    Errno.EINVAL, "xattr write at offset " + Long.toUnsignedString(offset) + ", beyond 2^63");
        }
        if (offset > value.length - n) {
            throw new P9Exception(Errno.EFBIG, "xattr write beyond the announced size of " + value.length);
        }
        data.get(data.position(), value, (int) offset, n);
        written.set((int) offset, (int) offset + n);
        return n;
    }

    /**
     * The complete value, for its commit; EINVAL unless each of the bytes Txattrcreate announced was written. No
     * write is taken after it, complete or not: the fid that filled it is gone.
     */
    synchronized byte[] value() throws P9Exception {
        sealed = true;
        int filled = written.cardinality();
        if (filled != value.length) {
            throw new P9Exception(Errno.EINVAL, "xattr value incomplete: " + filled + " of " + value.length + " bytes");
        }
        return Arrays.copyOf(value, value.length);
    }
}
