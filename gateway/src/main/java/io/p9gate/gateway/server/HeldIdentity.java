package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.p9gate.gateway.session.IdentityInForce;

/**
 * A connection's identity as its requests' decisions ask it: decided again, by what its transport established, the
 * first time one of them is decided under a policy it was not yet found to hold under. A reload that revokes it thus
 * refuses the connection's next request at once; before, requests read between the swap and the pass over the open
 * connections ({@link Gateway#closeConnectionsNoLongerIdentified}, a few milliseconds later) were served as the VM's
 * (identity.RequestBeforeReidentificationAttackTest). Not recorded here: the request's refusal is, and the pass
 * records the connection's as at connect. The pass's answer is kept with the connection too ({@link #heldUnder}): a
 * request after it asks nothing (for a tls: connection the question is a PKIX validation of its chain, 20-260 us).
 */
final class HeldIdentity implements IdentityInForce {
    /** The policy the connection's identity was last found to hold under; none: not asked yet (decided at connect). */
    private static final AttributeKey<Object> HELD_UNDER = AttributeKey.valueOf("p9gate.identity.heldUnder");

    private final ConnectionIdentity identity;
    private final PeerIdentifier identifier;
    private final Attribute<Object> heldUnder;

    private HeldIdentity(ConnectionIdentity identity, PeerIdentifier identifier, Channel connection) {
        this.identity = identity;
        this.identifier = identifier;
        this.heldUnder = connection.attr(HELD_UNDER);
    }

    /** The identity {@code connection} was accepted with, asked of {@code identifier}; none kept: its listener's. */
    static IdentityInForce of(Channel connection, PeerIdentifier identifier) {
        ConnectionIdentity identity = ConnectionIdentity.of(connection);
        return identity == null ? IdentityInForce.LISTENER_IS_VM : new HeldIdentity(identity, identifier, connection);
    }

    /**
     * The reload's pass found {@code connection} still its VM under {@code policy} (read before it asked): its requests
     * decided under that policy need not ask again.
     */
    static void heldUnder(Channel connection, Object policy) {
        connection.attr(HELD_UNDER).set(policy);
    }

    /**
     * The policy in force is read before the identity is decided again, so one swapped in meanwhile is not taken as
     * held: the next request asks again. Two requests asking at once both decide; either's answer is right.
     */
    @Override
    public boolean holds() {
        Object now = identifier.policyInForce();
        if (now == heldUnder.get()) {
            return true;
        }
        if (!identity.stillNamedBy(identifier)) {
            return false;
        }
        heldUnder.set(now);
        return true;
    }
}
