package io.p9gate.gateway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    /**
     * Where the handshakes' key agreements, signatures and certificate checks run (the TLS engine's delegated
     * tasks): not on the shared event loop, where they would hold up the frames of every VM served on it, and at
     * the bulk workers' lowered priority, so that VMs' requests get the CPU first (R-ROB-2). One thread: however
     * many peers handshake at once, they take at most one core.
     */
    private final ExecutorService handshakes = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("p9gate-tls-handshake").unstarted(() -> {
                ThreadNiceness.lowerBy(FairWorkerPool.BULK_NICE);
                r.run();
            }));

    TlsBinder(ListenSpec.Tls spec) {
        this.spec = spec;
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
            connection.pipeline().addLast("tls-cost", new HandshakeCost());
            connection
                    .pipeline()
                    .addLast(
                            "tls",
                            context(identifier)
                                    .newHandler(
                                            connection.alloc(), remote.getHostString(), remote.getPort(), handshakes));
        } catch (IOException e) {
            ListenerBinder.settle(
                    connection, spec, new PeerVerdict.Refused("", PeerIdentifier.RULE_TLS, e.getMessage()), accepted);
            return;
        }
        connection.pipeline().addLast("tls-identity", new TlsIdentityGate(spec, identifier, peer, accepted));
    }
}
