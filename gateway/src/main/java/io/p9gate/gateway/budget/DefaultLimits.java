package io.p9gate.gateway.budget;

/**
 * The budgets of a VM whose policy sets none, derived from what the process has (docs/policy.md, "Resource
 * limits"). The descriptors left after a reserve are split evenly among the VMs; half of the memory (the
 * smaller of heap and direct memory) is split evenly among the VMs for their frames in flight and queued
 * replies; an eighth of the heap each for pending xattr values (at most 16 MiB a VM) and for fids. So the
 * defaults of all VMs together never promise more than the process has, and the gateway keeps descriptors and
 * memory of its own.
 */
public final class DefaultLimits {
    /** Heap a fid costs with its handle and table entry, rounded up generously. */
    static final long FID_BYTES = 1024;
    /** Heap a lock table entry costs, rounded up generously. */
    static final long LOCK_BYTES = 256;
    /** The largest extended attribute value (Xattrs.MAX_VALUE): the xattr budget holds at least one. */
    static final long XATTR_VALUE = 64 * 1024;
    /**
     * The most a VM's pending xattr values get by default, however large the heap: 256 values of the largest
     * size. A guest sets an xattr with Txattrcreate, Twrite, Tclunk in a row, so more than a few pending at once
     * is a flood, and what a flood may keep alive is what every VM's garbage collection pauses then copy.
     */
    static final long XATTR_DEFAULT_MAX = 16L << 20;

    private DefaultLimits() {}

    /**
     * Descriptors no VM may take, whatever the limits say: accept(2), the audit log's segments and checkpoints,
     * policy reloads. A sixteenth of the process limit, between 64 and 1024.
     */
    public static long descriptorReserve(long maxDescriptors) {
        return Math.clamp(maxDescriptors / 16, 64, 1024);
    }

    /** The descriptors every VM together may hold: the process limit less those open now and the reserve. */
    public static long descriptorPool(HostResources host) {
        return Math.max(0, host.maxDescriptors() - host.openDescriptors() - descriptorReserve(host.maxDescriptors()));
    }

    /**
     * Descriptors set apart for {@code tls:} connections awaiting their handshake, which no VM's budget holds: each
     * such listener holds at most as many as its VMs may hold connections together, and as many it displaced that are
     * still closing (server.UnidentifiedPeers).
     *
     * @param connections the VMs' connections limits together
     */
    public static long handshakeDescriptors(long tlsListeners, long connections) {
        return Budgets.saturatedMultiply(2 * tlsListeners, connections);
    }

    /**
     * @param vms          how many VMs share the process (at least 1)
     * @param tlsListeners how many {@code tls:} listeners they are reached through: their handshake places are set
     *                     apart before the descriptors are split
     * @param msize        the largest frame a connection may send or be sent
     */
    public static Limits derive(HostResources host, int vms, int tlsListeners, int msize) {
        int n = Math.max(1, vms);
        long descriptorShare = descriptorPool(host) / n;
        long vmMemory = Math.min(host.maxHeap(), host.maxDirect()) / 2 / n;
        // At most an eighth of the VM's descriptors, with its part of the handshake places (twice its connections a
        // tls: listener) counted among them.
        long connections =
                Math.clamp(Math.min(vmMemory / (8L * msize), descriptorShare / (8 * (1 + 2L * tlsListeners))), 2, 64);
        return new Limits(
                connections,
                Math.clamp(vmMemory / (4L * msize), 8, 256),
                Math.clamp(host.maxHeap() / 8 / n / FID_BYTES, 256, 1 << 20),
                // A VM's part of the handshake places: each listener's are the VMs' connections together.
                Math.max(16, descriptorShare - connections - handshakeDescriptors(tlsListeners, connections)),
                Math.clamp(host.maxHeap() / 8 / n, XATTR_VALUE, XATTR_DEFAULT_MAX),
                Math.clamp(host.maxHeap() / 32 / n / LOCK_BYTES, 256, 1 << 20),
                Math.max(vmMemory / 4, 4L * msize),
                1);
    }
}
