package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Consumer;

/**
 * Mutual TLS 1.3 over TCP: the connection's first handlers are the TLS engine and {@link TlsIdentityGate}; the
 * 9P session starts once the client certificate has named its VM.
 */
final class TlsBinder implements ListenerBinder {
    private final ListenSpec.Tls spec;
    /** The socket is plain TCP's. */
    private final TcpBinder tcp;

    private volatile SslContext context;

    /** Where the handshakes' work runs: one low-priority thread, its turns shared among peer addresses. */
    private final HandshakeTurns handshakes;

    TlsBinder(ListenSpec.Tls spec) {
        this(spec, new HandshakeTurns("p9gate-tls-handshake", peer -> {}));
    }

    TlsBinder(ListenSpec.Tls spec, HandshakeTurns handshakes) {
        this.spec = spec;
        this.handshakes = handshakes;
        this.tcp = new TcpBinder(new ListenSpec.Tcp(spec.host(), spec.port()));
    }

    @Override
    public void configure(ServerBootstrap bootstrap) throws IOException {
        tcp.configure(bootstrap);
    }

    @Override
    public SocketAddress address() {
        return tcp.address();
    }

    @Override
    public SocketAddress boundAddress(Channel server) {
        return tcp.boundAddress(server);
    }

    @Override
    public void unbound() {
        handshakes.shutdownNow();
    }

    /** The context is made once per listener and identifier (its trust manager asks that identifier). */
    private SslContext context(PeerIdentifier identifier) throws IOException {
        SslContext c = context;
        if (c == null) {
            synchronized (this) {
                if (context == null) {
                    context = spec.tls().context(new PeerTrustManager(spec, identifier));
                }
                c = context;
            }
        }
        return c;
    }

    @Override
    public void identify(Channel connection, PeerIdentifier identifier, Consumer<String> accepted) {
        InetSocketAddress remote = (InetSocketAddress) connection.remoteAddress();
        String peer = new PeerFacts.Tcp(remote).describe();
        try {
            // The cost first: a peer the guard closes has sent bytes, a failed handshake of its address.
            connection.pipeline().addLast("tls-cost", new HandshakeCost());
            connection.pipeline().addLast("tls-record-length", new TlsRecordLengthGuard(spec.describe()));
            connection
                    .pipeline()
                    .addLast(
                            "tls",
                            context(identifier)
                                    .newHandler(
                                            connection.alloc(),
                                            remote.getHostString(),
                                            remote.getPort(),
                                            handshakes.of(remote.getAddress(), connection::isActive)));
        } catch (IOException e) {
            ListenerBinder.settle(
                    connection,
                    spec,
                    null,
                    new PeerVerdict.Refused("", PeerIdentifier.RULE_TLS, e.getMessage()),
                    accepted);
            return;
        }
        connection.pipeline().addLast("tls-identity", new TlsIdentityGate(spec, identifier, peer, accepted));
    }
}
