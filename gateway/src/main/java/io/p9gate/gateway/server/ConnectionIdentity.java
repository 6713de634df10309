package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What a connection's transport established when it connected (its listener and peer facts: a certificate chain,
 * SO_PEERCRED, a CID) and the VM they named then. Kept with the connection so that a policy reload can decide it
 * again: a 9P mount is one connection for as long as the guest wishes, and a certificate revoked or a {@code peer:}
 * changed must not stay that VM's on the connections made before.
 */
record ConnectionIdentity(ListenSpec listener, PeerFacts facts, String vm) {
    private static final AttributeKey<ConnectionIdentity> KEY = AttributeKey.valueOf("p9gate.identity");

    static void remember(Channel connection, ListenSpec listener, PeerFacts facts, String vm) {
        connection.attr(KEY).set(new ConnectionIdentity(listener, facts, vm));
    }

    /** The identity the connection was accepted with, or null (not identified yet, or refused). */
    static ConnectionIdentity of(Channel connection) {
        return connection.attr(KEY).get();
    }

    /** Whether {@code identifier}, as it decides now, still names the same VM; a refusal is recorded and logged. */
    boolean stillHolds(PeerIdentifier identifier) {
        return RefusedPeers.identifyAgain(identifier, listener, facts, vm) instanceof PeerVerdict.Accepted a
                && a.vm().equals(vm);
    }

    /**
     * As {@link #stillHolds}, neither recorded nor logged: for an address's naming, which is no connection, and for a
     * request decided before the reload's pass over the open connections ({@link HeldIdentity}), which records it.
     */
    boolean stillNamedBy(PeerIdentifier identifier) {
        return identifier.stillNames(listener, facts, vm);
    }
}
