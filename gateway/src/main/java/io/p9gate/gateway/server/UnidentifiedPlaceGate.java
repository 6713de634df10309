package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * On a {@code tls:} listener's server channel: a connection takes its place among those awaiting their handshake
 * ({@link UnidentifiedPeers}: per peer address, and a descriptor of the pool) on the accept thread, before it is
 * handed to the event loops. Taken there, on the loops, a connection already held a descriptor while it waited in
 * their queue: a peer connecting and closing as fast as it could outran them and held thousands, counted nowhere
 * (identity.UnidentifiedAcceptBacklogAttackTest). Past its place the connection is closed here, never registered.
 */
@ChannelHandler.Sharable
final class UnidentifiedPlaceGate extends PlaceGate {
    /** The address whose place a connection took at accept, until the connection's loop takes it over. */
    private static final AttributeKey<InetAddress> TAKEN = AttributeKey.valueOf("p9gate.unidentified-place");

    private final ListenSpec.Tls listener;
    private final PeerIdentifier identifier;
    private final UnidentifiedPeers handshakes;

    UnidentifiedPlaceGate(ListenSpec.Tls listener, PeerIdentifier identifier, UnidentifiedPeers handshakes) {
        this.listener = listener;
        this.identifier = identifier;
        this.handshakes = handshakes;
    }

    @Override
    boolean admits(Channel child) {
        if (child.remoteAddress() instanceof InetSocketAddress remote) {
            InetAddress address = remote.getAddress();
            switch (handshakes.tryTake(address, child)) {
                case UnidentifiedPeers.Place.Free() -> {}
                case UnidentifiedPeers.Place.Displacing(Channel displaced, UnidentifiedPeers.Progress progress) ->
                    displace(displaced, progress, address);
                case UnidentifiedPeers.Place.Refused(String why) -> {
                    refuse(identifier, listener, PeerNames.describe(child, listener), address, why);
                    return false;
                }
            }
            // Given back by the connection's loop (UnidentifiedPlaceGate#takenAtAccept). A registration that fails
            // (only when the loops stop with the gateway) closes the connection before the loop could give it back.
            child.attr(TAKEN).set(address);
        }
        return true;
    }

    /** Whether {@code channel} took its place at accept; the caller now gives it back. */
    static boolean takenAtAccept(Channel channel) {
        return channel.attr(TAKEN).getAndSet(null) != null;
    }

    /**
     * Records, logs and closes a connection, whose handshake had come as far as {@code progress}, whose place a
     * connection from {@code newcomer} took.
     */
    private void displace(Channel waiting, UnidentifiedPeers.Progress progress, InetAddress newcomer) {
        InetAddress its = waiting.remoteAddress() instanceof InetSocketAddress r ? r.getAddress() : null;
        boolean byItsOwnAddress = newcomer.equals(its);
        boolean stalled = progress == UnidentifiedPeers.Progress.STALLED_AFTER_ANSWER;
        if (!byItsOwnAddress && !stalled) {
            // Another address's doing, not a failed handshake of this one's (its address keeps no penalty for it);
            // its own address's newer connection is its own doing, and counts, or one address could make the
            // gateway answer handshakes forever by displacing its own. So does a handshake that stalled past its
            // grace after the gateway's key exchange, whoever took its place: no VM's client stalls so.
            HandshakeCost.closedByGateway(waiting);
        }
        String why = byItsOwnAddress
                ? "its address holds as many connections awaiting their TLS handshake as it may (a VM's connections"
                        + " limit, or as many as any other address while the listener's places are all taken), and a"
                        + " newer connection from it took this one's place"
                : "the places of connections awaiting their handshake are all taken, most of them from "
                        + (its == null ? "?" : its.getHostAddress())
                        + ", and a connection from an address holding fewer took this one's";
        if (stalled) {
            why += " (its peer had sent nothing for " + UnidentifiedPeers.ANSWER_GRACE.toSeconds()
                    + " s since the gateway's answer or its last bytes, or not ended its handshake "
                    + UnidentifiedPeers.ANSWER_LIMIT.toSeconds() + " s after the answer)";
        }
        RefusedPeers.unidentified(
                identifier,
                listener,
                PeerNames.describe(waiting, listener),
                "closed before its TLS handshake ended: " + why);
        waiting.close();
    }

    /** Records and logs a connection refused for its address's places. */
    private static void refuse(
            PeerIdentifier identifier, ListenSpec listener, String peer, InetAddress address, String why) {
        String reason =
                "no place for a connection awaiting its TLS handshake from " + address.getHostAddress() + ": " + why;
        // Logged throttled per listener: a set of the addresses already named grew with every address a peer
        // cycled through (an IPv6 /64), and was only ever emptied by that address's next success.
        RefusedPeers.unidentified(identifier, listener, peer, reason);
    }
}
