package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.p9gate.gateway.session.IdentityInForce;

/**
 * A connection's identity as its requests' decisions ask it: decided again, by what its transport established, the
 * first time one of them is decided under a policy it was not yet found to hold under. A reload that revokes it thus
 * refuses the connection's next request at once; before, requests read between the swap and the pass over the open
 * connections ({@link Gateway#closeConnectionsNoLongerIdentified}, a few milliseconds later) were served as the VM's
 * (identity.RequestBeforeReidentificationAttackTest). Not recorded here: the request's refusal is, and the pass
 * records the connection's as at connect.
 */
final class HeldIdentity implements IdentityInForce {
    private final ConnectionIdentity identity;
    private final PeerIdentifier identifier;
    /** The policy the identity was last found to hold under; null: not asked yet (it was decided at connect). */
    private volatile Object heldUnder;

    private HeldIdentity(ConnectionIdentity identity, PeerIdentifier identifier) {
        this.identity = identity;
        this.identifier = identifier;
    }

    /** The identity {@code connection} was accepted with, asked of {@code identifier}; none kept: its listener's. */
    static IdentityInForce of(Channel connection, PeerIdentifier identifier) {
        ConnectionIdentity identity = ConnectionIdentity.of(connection);
        return identity == null ? IdentityInForce.LISTENER_IS_VM : new HeldIdentity(identity, identifier);
    }

    /**
     * The policy in force is read before the identity is decided again, so one swapped in meanwhile is not taken as
     * held: the next request asks again. Two requests asking at once both decide; either's answer is right.
     */
    @Override
    public boolean holds() {
        Object now = identifier.policyInForce();
        if (now == heldUnder) {
            return true;
        }
        if (!identity.stillNamedBy(identifier)) {
            return false;
        }
        heldUnder = now;
        return true;
    }
}
