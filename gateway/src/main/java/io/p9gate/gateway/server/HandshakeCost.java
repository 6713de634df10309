package io.p9gate.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * Whether a tls: connection that closed unidentified counts as a failed handshake of its address
 * ({@link HandshakePenalties}): only if its peer made the gateway work (it sent bytes: a ClientHello) and the
 * gateway did not give up waiting itself. A port probe (`nc -z`, a health check) costs nothing and must not get the
 * address, which VMs may share with the prober, refused; nor must a handshake that timed out because a flood from
 * elsewhere held the handshake thread.
 *
 * <p>It also marks how far the handshake has come, for {@link UnidentifiedPeers} to choose which connection gives up
 * its place: whether the peer has sent bytes, whether they hold a whole ClientHello (by its framing: what the engine
 * needs before it queues the handshake's step; a connection waiting for that step is not one that stalls), and
 * whether the gateway has answered it (the TLS engine's first handshake record out that is not a HelloRetryRequest:
 * its ServerHello, for which the peer cost the gateway a key exchange; a HelloRetryRequest, and the ChangeCipherSpec
 * written after one, cost none), then when the peer last sent bytes (its flight, which a client signing slowly sends
 * record by record). It sits between the socket and the TLS engine, so it sees both before the engine does and before
 * they reach the wire.
 */
final class HandshakeCost extends ChannelDuplexHandler {
    private static final AttributeKey<Boolean> SENT = AttributeKey.valueOf("p9gate.tls.peer-sent");
    private static final AttributeKey<Boolean> HELLO = AttributeKey.valueOf("p9gate.tls.peer-sent-hello");
    /** When the gateway answered (System.nanoTime() of its clock), absent until it has. */
    private static final AttributeKey<Long> ANSWERED_AT = AttributeKey.valueOf("p9gate.tls.gateway-answered-at");
    /** When the peer last sent bytes after the answer (its flight, record by record), absent until it has. */
    private static final AttributeKey<Long> HEARD_AT = AttributeKey.valueOf("p9gate.tls.peer-heard-at");

    private static final AttributeKey<Boolean> GATEWAYS_OWN =
            AttributeKey.valueOf("p9gate.tls.closed-by-the-gateways-own-rule");

    /** The random of a HelloRetryRequest (RFC 8446, 4.1.3): SHA-256 of "HelloRetryRequest". */
    static final byte[] HELLO_RETRY_REQUEST =
            HexFormat.of().parseHex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");

    private static final byte HANDSHAKE_RECORD = 22;
    /** Where a ServerHello's random starts: record header (5), handshake header (4), legacy version (2). */
    private static final int RANDOM_AT = 11;

    /** Counts the peer's first handshake message (its ClientHello) in, record by record, until it is whole. */
    private final HelloFraming hello = new HelloFraming();

    /** The clock of the answer's time: {@link UnidentifiedPeers}'s. */
    private final LongSupplier clock;

    HandshakeCost() {
        this(System::nanoTime);
    }

    HandshakeCost(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel channel = ctx.channel();
        if (answered(channel)) {
            channel.attr(HEARD_AT).set(clock.getAsLong());
        } else {
            channel.attr(SENT).set(Boolean.TRUE);
            if (msg instanceof ByteBuf bytes && hello.whole(bytes)) {
                channel.attr(HELLO).set(Boolean.TRUE);
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * The engine's first bytes out that answer the peer; from then on only the peer's bytes are marked, until the
     * handshake ends, when the handler leaves.
     */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean answers = !answered(ctx.channel()) && msg instanceof ByteBuf bytes && serverHello(bytes);
        if (answers) {
            ctx.channel().attr(ANSWERED_AT).set(clock.getAsLong());
        }
        ctx.write(msg, promise);
        SslHandler tls = answers ? ctx.pipeline().get(SslHandler.class) : null;
        if (tls != null) {
            // Run on the connection's loop, as this handler's reads are; a connection closed first is taken apart.
            tls.handshakeFuture().addListener(f -> {
                if (!ctx.isRemoved()) {
                    ctx.pipeline().remove(this);
                }
            });
        }
    }

    /**
     * Whether {@code bytes} start with a handshake record that is no HelloRetryRequest: the ServerHello. The JDK engine
     * writes the ChangeCipherSpec that follows a HelloRetryRequest in middlebox compatibility mode (RFC 8446, D.4: a
     * JDK or OpenSSL client's default) apart from it, and that record alone ranked the connection answered.
     */
    private static boolean serverHello(ByteBuf bytes) {
        return bytes.isReadable()
                && bytes.getByte(bytes.readerIndex()) == HANDSHAKE_RECORD
                && !helloRetryRequest(bytes);
    }

    private static boolean helloRetryRequest(ByteBuf bytes) {
        int at = bytes.readerIndex() + RANDOM_AT;
        if (bytes.readableBytes() < RANDOM_AT + HELLO_RETRY_REQUEST.length) {
            return false;
        }
        for (int i = 0; i < HELLO_RETRY_REQUEST.length; i++) {
            if (bytes.getByte(at + i) != HELLO_RETRY_REQUEST[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The gateway closes the connection by a rule of its own: its handshake timeout, or another address's connection
     * taking its place ({@link UnidentifiedPlaceGate}). Not the peer's failure: counted, a VM's handshakes displaced
     * by a peer on another address got the VM's address refused (identity.DisplacedHandshakePenaltyAttackTest).
     */
    static void closedByGateway(Channel connection) {
        connection.attr(GATEWAYS_OWN).set(Boolean.TRUE);
    }

    /**
     * Whether the peer of {@code connection} has sent bytes: set on its loop before the TLS engine reads them, so
     * before the gateway answers; read from any thread ({@link UnidentifiedPeers}).
     */
    static boolean peerSent(Channel connection) {
        return Boolean.TRUE.equals(connection.attr(SENT).get());
    }

    /**
     * Whether the peer of {@code connection} has sent a whole ClientHello (or more): read from any thread
     * ({@link UnidentifiedPeers}).
     */
    static boolean peerSentHello(Channel connection) {
        return Boolean.TRUE.equals(connection.attr(HELLO).get());
    }

    /**
     * Whether the gateway has answered the peer of {@code connection} (its handshake is under way on both sides):
     * set on its loop before the answer is written; read from any thread ({@link UnidentifiedPeers}).
     */
    static boolean answered(Channel connection) {
        return connection.attr(ANSWERED_AT).get() != null;
    }

    /**
     * Whether the gateway answered the peer of {@code connection} at or before {@code instant} (of the clock this
     * handler was made with): read from any thread ({@link UnidentifiedPeers}).
     */
    static boolean answeredBy(Channel connection, long instant) {
        Long at = connection.attr(ANSWERED_AT).get();
        return at != null && at - instant <= 0;
    }

    /**
     * Whether the answered handshake of {@code connection} has moved after {@code instant}: the gateway's answer, or
     * the peer's bytes since, came later. Read from any thread ({@link UnidentifiedPeers}).
     */
    static boolean movedAfter(Channel connection, long instant) {
        Long heard = connection.attr(HEARD_AT).get();
        Long at = heard != null ? heard : connection.attr(ANSWERED_AT).get();
        return at != null && at - instant > 0;
    }

    /** Whether the closed, unidentified {@code connection} is a failed handshake of its peer. */
    static boolean failedByPeer(Channel connection) {
        return peerSent(connection)
                && !Boolean.TRUE.equals(connection.attr(GATEWAYS_OWN).get());
    }
}
