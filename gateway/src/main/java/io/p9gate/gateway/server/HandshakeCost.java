package io.p9gate.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;

/**
 * Whether a tls: connection that closed unidentified counts as a failed handshake of its address
 * ({@link HandshakePenalties}): only if its peer made the gateway work (it sent bytes: a ClientHello) and the
 * gateway did not give up waiting itself. A port probe (`nc -z`, a health check) costs nothing and must not get the
 * address, which VMs may share with the prober, refused; nor must a handshake that timed out because a flood from
 * elsewhere held the handshake thread.
 *
 * <p>It also marks how far the handshake has come, for {@link UnidentifiedPeers} to choose which connection gives up
 * its place: whether the peer has sent bytes, and whether the gateway has answered them (the TLS engine's first
 * bytes out, its ServerHello: the peer completed a ClientHello and cost the gateway a key exchange). It sits
 * between the socket and the TLS engine, so it sees both before the engine does and before they reach the wire.
 */
final class HandshakeCost extends ChannelDuplexHandler {
    private static final AttributeKey<Boolean> SENT = AttributeKey.valueOf("p9gate.tls.peer-sent");
    private static final AttributeKey<Boolean> ANSWERED = AttributeKey.valueOf("p9gate.tls.gateway-answered");
    private static final AttributeKey<Boolean> TIMED_OUT = AttributeKey.valueOf("p9gate.tls.handshake-timed-out");

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.channel().attr(SENT).set(Boolean.TRUE);
        ctx.fireChannelRead(msg);
    }

    /** The engine's first bytes out answer the peer: nothing more to mark, so the handler leaves. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean answers = msg instanceof ByteBuf bytes && bytes.isReadable();
        if (answers) {
            ctx.channel().attr(ANSWERED).set(Boolean.TRUE);
        }
        ctx.write(msg, promise);
        if (answers) {
            ctx.pipeline().remove(this);
        }
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

    /**
     * Whether the gateway has answered the peer of {@code connection} (its handshake is under way on both sides):
     * set on its loop before the answer is written; read from any thread ({@link UnidentifiedPeers}).
     */
    static boolean answered(Channel connection) {
        return Boolean.TRUE.equals(connection.attr(ANSWERED).get());
    }

    /** Whether the closed, unidentified {@code connection} is a failed handshake of its peer. */
    static boolean failedByPeer(Channel connection) {
        return peerSent(connection)
                && !Boolean.TRUE.equals(connection.attr(TIMED_OUT).get());
    }
}
