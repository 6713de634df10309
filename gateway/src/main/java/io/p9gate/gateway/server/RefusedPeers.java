package io.p9gate.gateway.server;

import io.p9gate.gateway.codec.PeerCausedLog;

/**
 * A warning line for refused connections (the audit record, written by the identifier, has the details of each):
 * at most one a minute, since whoever reaches a listener (a VM on vsock, any host on tls:) can be refused at will.
 */
final class RefusedPeers {
    private static final System.Logger LOG = System.getLogger(RefusedPeers.class.getName());
    private static final PeerCausedLog REFUSED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private RefusedPeers() {}

    /** At most one line a minute per VM, or per listener for a peer no VM claims. */
    static void log(ListenSpec spec, PeerVerdict.Refused refused) {
        REFUSED.log(
                PeerCausedLog.key(refused.vm(), spec.describe()),
                () -> "refused a connection on " + spec.describe()
                        + (refused.vm().isEmpty() ? "" : " (VM " + refused.vm() + ")") + ": " + refused.reason());
    }
}
