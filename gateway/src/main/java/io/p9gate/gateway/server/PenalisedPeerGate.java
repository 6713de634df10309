package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.net.InetSocketAddress;

/**
 * On a {@code tls:} listener's server channel, before the accepted connection is handed to the shared event loops:
 * a connection from an address {@link HandshakePenalties} refuses is closed on the accept loop, so that a peer
 * reconnecting as fast as it can while penalised costs the loops that serve the VMs nothing (R-ROB-2). Each
 * refusal is recorded like the other handshake refusals (the audit trail summarises repeated ones).
 */
@ChannelHandler.Sharable
final class PenalisedPeerGate extends AcceptGate {
    private final ListenSpec.Tls listener;
    private final PeerIdentifier identifier;
    private final HandshakePenalties penalties;

    PenalisedPeerGate(ListenSpec.Tls listener, PeerIdentifier identifier, HandshakePenalties penalties) {
        this.listener = listener;
        this.identifier = identifier;
        this.penalties = penalties;
    }

    @Override
    boolean admits(Channel child) {
        if (child.remoteAddress() instanceof InetSocketAddress remote
                && !penalties.refused(remote.getAddress()).isZero()) {
            identifier.handshakeFailed(
                    listener,
                    PeerNames.describe(child, listener),
                    "TLS handshakes from " + remote.getAddress().getHostAddress()
                            + " keep failing: its connections are refused for a while");
            return false;
        }
        return true;
    }
}
