package io.p9gate.gateway.session;

import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.policy.dialect.Dialect;
import java.util.Objects;

/**
 * What the transport knows about a connection. The listener, never anything the guest says,
 * is what identifies the VM (R-DEP-1).
 *
 * @param listener  the name of the listener the connection arrived on
 * @param peer      a printable description of the peer, for logs
 * @param sessionId unique per negotiated session within this gateway process
 * @param msize     the negotiated maximum message size, header included
 * @param ioLimit   the most payload bytes one Tread/Twrite may carry, below what msize allows;
 *                  0 = only msize limits it
 * @param vm        the VM the transport identified (R-DEP-1); "" when the listener itself is the VM (serving
 *                  without a policy, or a listener the policy does not name)
 * @param budget    the budgets of the connection's VM (R-ROB-2), shared with its other connections
 * @param dialect   the 9P dialect Tversion agreed on (R-PROTO-7)
 * @param identity  whether the connection is still {@code vm} under the policy in force (a reload may revoke it)
 */
public record ConnectionContext(
        String listener,
        String peer,
        long sessionId,
        int msize,
        int ioLimit,
        String vm,
        VmBudget budget,
        Dialect dialect,
        IdentityInForce identity) {
    /** Bytes of an Rread/Twrite header: size[4] type[1] tag[2] count[4] (+ fid/offset for Twrite). */
    public static final int IO_HEADER = 4 + 1 + 2 + 4 + 4 + 8;

    public ConnectionContext {
        if (ioLimit < 0) {
            throw new IllegalArgumentException("I/O limit must not be negative: " + ioLimit);
        }
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(identity, "identity");
    }

    /** A 9P2000.L session, whose identity nothing revokes but its listener's. */
    public ConnectionContext(
            String listener, String peer, long sessionId, int msize, int ioLimit, String vm, VmBudget budget) {
        this(listener, peer, sessionId, msize, ioLimit, vm, budget, Dialect.L, IdentityInForce.LISTENER_IS_VM);
    }

    /** Not identified by the transport (the listener is the VM), without budgets. */
    public ConnectionContext(String listener, String peer, long sessionId, int msize, int ioLimit) {
        this(listener, peer, sessionId, msize, ioLimit, VmBudget.unlimited(listener));
    }

    /** Without an I/O limit below msize, without budgets. */
    public ConnectionContext(String listener, String peer, long sessionId, int msize) {
        this(listener, peer, sessionId, msize, 0);
    }

    /** Not identified by the transport: the listener is the VM. */
    public ConnectionContext(String listener, String peer, long sessionId, int msize, int ioLimit, VmBudget budget) {
        this(listener, peer, sessionId, msize, ioLimit, "", budget);
    }

    /**
     * The largest payload one Tread/Twrite may carry in this session. Sent as the iounit of
     * Rlopen/Rlcreate, which the Linux client honours per fid.
     */
    public int iounit() {
        int byMsize = msize - IO_HEADER;
        return ioLimit > 0 ? Math.min(byMsize, ioLimit) : byMsize;
    }
}
