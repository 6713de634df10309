package io.p9gate.gateway.fs;

import io.p9gate.gateway.budget.Allowance;
import io.p9gate.gateway.budget.OverBudget;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.proto.Errno;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An extended attribute value (or name list) fetched by Txattrwalk, which its fid keeps in the heap until it is
 * clunked. Up to 64 KiB a fid where a fid is budgeted at about 1 KiB, so the value is charged to the VM's
 * xattr-bytes budget, as a {@link PendingXattr} is (R-ROB-2): otherwise a VM's fid budget alone let it pin
 * gigabytes. Past the budget the Txattrwalk is refused with ENOMEM, getxattr(2)'s "no memory for the value".
 */
public final class HeldXattr {
    private final byte[] bytes;
    private final Allowance budget;
    private final AtomicBoolean released = new AtomicBoolean();

    private HeldXattr(byte[] bytes, Allowance budget) {
        this.bytes = bytes;
        this.budget = budget;
    }

    /** Charges {@code bytes} to the VM being served; refused (and nothing charged) past its budget. */
    static HeldXattr charged(byte[] bytes) throws OverBudget {
        Allowance budget = VmBudget.current().xattrBytes();
        try {
            budget.acquire(bytes.length);
        } catch (OverBudget e) {
            throw new OverBudget(Errno.ENOMEM, e.rule(), e.getMessage());
        }
        return new HeldXattr(bytes, budget);
    }

    /** The value; its holder must not change it. */
    public byte[] bytes() {
        return bytes;
    }

    /** The fid holding it is gone (clunked, replaced, or its session closed); once. */
    public void release() {
        if (released.compareAndSet(false, true)) {
            budget.release(bytes.length);
        }
    }
}
