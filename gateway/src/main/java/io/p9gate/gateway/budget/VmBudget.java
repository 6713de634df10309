package io.p9gate.gateway.budget;

import io.p9gate.gateway.proto.Errno;

/**
 * Everything one VM holds of the gateway, against its {@link Limits} (R-ROB-2). One per VM, shared by all its
 * connections and sessions. A worker serving a request of the VM binds it as {@link #CURRENT}, so that the
 * layers below (descriptors opened by the backend, pending xattr values) charge the right VM without passing it
 * through every call.
 */
public final class VmBudget {
    /** The VM whose request the current thread is serving. */
    public static final ScopedValue<VmBudget> CURRENT = ScopedValue.newInstance();

    private static final VmBudget NONE = unlimited("none");

    private final String vm;
    private final Allowance connections;
    private final Allowance fids;
    private final Allowance descriptors;
    private final Allowance xattrBytes;
    private final Allowance locks;
    private final Allowance rememberedPaths;
    private final Admission admission;
    private volatile Limits limits;

    /**
     * @param descriptorPool the process-wide pool the VM's descriptors and connections are also taken from
     *                       (keeps the reserve), or null
     */
    public VmBudget(String vm, Limits limits, Allowance descriptorPool) {
        this.vm = vm;
        this.limits = limits;
        String who = "VM " + vm;
        this.connections =
                new Allowance(who, "budget.connections", Errno.ECONNREFUSED, limits.connections(), descriptorPool);
        this.fids = new Allowance(who, "budget.fids", Errno.EMFILE, limits.fids(), null);
        this.descriptors = new Allowance(who, "budget.descriptors", Errno.EMFILE, limits.descriptors(), descriptorPool);
        this.xattrBytes = new Allowance(who, "budget.xattr-bytes", Errno.ENOSPC, limits.xattrBytes(), null);
        this.locks = new Allowance(who, "budget.locks", Errno.ENOLCK, limits.locks(), null);
        this.rememberedPaths =
                new Allowance(who, "budget.fids", Errno.EMFILE, rememberedPathBytes(limits.fids()), null);
        this.admission = new Admission(limits.outstanding(), limits.replyBytes());
    }

    /** Counts, never refuses: sessions and tests without budgets. */
    public static VmBudget unlimited(String vm) {
        return new VmBudget(vm, Limits.UNLIMITED, null);
    }

    /** The budget of the VM whose request this thread serves; an unlimited one outside any request. */
    public static VmBudget current() {
        return CURRENT.orElse(NONE);
    }

    public String vm() {
        return vm;
    }

    public Limits limits() {
        return limits;
    }

    public Allowance connections() {
        return connections;
    }

    public Allowance fids() {
        return fids;
    }

    public Allowance descriptors() {
        return descriptors;
    }

    public Allowance xattrBytes() {
        return xattrBytes;
    }

    public Allowance locks() {
        return locks;
    }

    /**
     * Bytes of share paths the VM's handles remember (backend.Node): a guest chooses its depth, so a path may be
     * megabytes, while its fids are counted at {@link DefaultLimits#FID_BYTES} each. Its limit is that share of the
     * heap; past it a handle remembers nothing and asks the kernel, so this is never a refusal.
     */
    public Allowance rememberedPaths() {
        return rememberedPaths;
    }

    private static long rememberedPathBytes(long fids) {
        return Budgets.saturatedMultiply(fids, DefaultLimits.FID_BYTES);
    }

    public Admission admission() {
        return admission;
    }

    /** New limits (a policy reload): what is held stays held; parked connections look again. */
    public void update(Limits next) {
        limits = next;
        connections.setLimit(next.connections());
        fids.setLimit(next.fids());
        descriptors.setLimit(next.descriptors());
        xattrBytes.setLimit(next.xattrBytes());
        locks.setLimit(next.locks());
        rememberedPaths.setLimit(rememberedPathBytes(next.fids()));
        admission.setLimits(next.outstanding(), next.replyBytes());
    }

    @Override
    public String toString() {
        return "VM " + vm + " " + limits;
    }
}
