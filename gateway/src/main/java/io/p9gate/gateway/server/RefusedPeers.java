package io.p9gate.gateway.server;

import io.p9gate.gateway.codec.PeerCausedLog;

/**
 * A warning line for refused connections (the audit record, written by the identifier, has the details of each):
 * at most one a minute, since whoever reaches a listener (a VM on vsock, any host on tls:) can be refused at will.
 * A TLS connection is identified, or refused without a certificate to identify, only through here, so that every
 * refusal has both its record and its line: a full handshake's and a resumed session's alike.
 */
final class RefusedPeers {
    private static final System.Logger LOG = System.getLogger(RefusedPeers.class.getName());
    private static final PeerCausedLog REFUSED = new PeerCausedLog(LOG, System.Logger.Level.WARNING);

    private RefusedPeers() {}

    /** What {@code identifier} says of {@code peer}; a refusal, which the identifier recorded, is logged too. */
    static PeerVerdict identify(PeerIdentifier identifier, ListenSpec listener, PeerFacts peer) {
        return logged(listener, identifier.identify(listener, peer));
    }

    /** What {@code identifier} says again of a connection accepted as {@code vm}; a refusal is logged too. */
    static PeerVerdict identifyAgain(PeerIdentifier identifier, ListenSpec listener, PeerFacts peer, String vm) {
        return logged(listener, identifier.identifyAgain(listener, peer, vm));
    }

    private static PeerVerdict logged(ListenSpec listener, PeerVerdict verdict) {
        if (verdict instanceof PeerVerdict.Refused refused) {
            log(listener, refused);
        }
        return verdict;
    }

    /**
     * A TLS connection refused before a certificate could be identified (none sent, a failed handshake, too many
     * awaiting theirs): recorded by {@code identifier} and logged.
     */
    static void unidentified(PeerIdentifier identifier, ListenSpec listener, String peer, String reason) {
        identifier.handshakeFailed(listener, peer, reason);
        log(listener, new PeerVerdict.Refused("", PeerIdentifier.RULE_TLS, reason));
    }

    /** Refuses a connection of {@code vm} that the gateway serves only from its next restart: recorded and logged. */
    static void untilRestart(PeerIdentifier identifier, ListenSpec listener, String peer, String vm, String why) {
        PeerVerdict.Refused refused = PeerVerdict.Refused.untilRestart(vm, why);
        identifier.refusedByTransport(listener, peer, refused);
        log(listener, refused);
    }

    /** At most one line a minute per VM, or per listener for a peer no VM claims. */
    static void log(ListenSpec spec, PeerVerdict.Refused refused) {
        REFUSED.log(
                PeerCausedLog.key(refused.vm(), spec.describe()),
                () -> "refused a connection on " + spec.describe()
                        + (refused.vm().isEmpty() ? "" : " (VM " + refused.vm() + ")") + ": " + refused.reason());
    }
}
