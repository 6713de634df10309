package io.p9gate.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;

/**
 * Whether a tls: connection that closed unidentified counts as a failed handshake of its address
 * ({@link HandshakePenalties}): only if its peer made the gateway work (it sent bytes: a ClientHello) and the
 * gateway did not give up waiting itself. A port probe (`nc -z`, a health check) costs nothing and must not get the
 * address, which VMs may share with the prober, refused; nor must a handshake that timed out because a flood from
 * elsewhere held the handshake thread.
 */
final class HandshakeCost extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<Boolean> SENT = AttributeKey.valueOf("p9gate.tls.peer-sent");
    private static final AttributeKey<Boolean> TIMED_OUT = AttributeKey.valueOf("p9gate.tls.handshake-timed-out");

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.channel().attr(SENT).set(Boolean.TRUE);
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    /** The gateway's handshake timeout closed the connection: not the peer's failure. */
    static void timedOut(Channel connection) {
        connection.attr(TIMED_OUT).set(Boolean.TRUE);
    }

    /**
     * Whether the peer of {@code connection} has sent bytes: set on its loop before the TLS engine reads them, so
     * before the gateway answers; read from any thread ({@link UnidentifiedPeers}).
     */
    static boolean peerSent(Channel connection) {
        return Boolean.TRUE.equals(connection.attr(SENT).get());
    }

    /** Whether the closed, unidentified {@code connection} is a failed handshake of its peer. */
    static boolean failedByPeer(Channel connection) {
        return peerSent(connection)
                && !Boolean.TRUE.equals(connection.attr(TIMED_OUT).get());
    }
}
