package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.net.Transports;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TlsIdentityGate} takes the VM the handshake's trust manager decided ({@link PeerTrustManager.Decided}) and
 * decides again only for a resumed session, which sent no certificate: a full handshake is decided once.
 */
class TlsIdentifyOnceTest {
    @TempDir
    Path tmp;

    @Test
    void aFullHandshakeIsIdentifiedOnceAndAResumedOneAgain() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "p9gate test CA", List.of(), Duration.ofDays(1));
        pki.issueClient("a", Duration.ofDays(1));
        ServerTls tls =
                ServerTls.load(pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY));
        AtomicInteger asked = new AtomicInteger();
        PeerIdentifier counting = (listener, peer) -> {
            asked.incrementAndGet();
            return new PeerVerdict.Accepted("a");
        };
        LinkedBlockingQueue<String> accepted = new LinkedBlockingQueue<>();
        TlsBinder binder = new TlsBinder(new ListenSpec.Tls("127.0.0.1", 0, tls));
        EventLoopGroup loops = Transports.newGroup(1, FairWorkerPool.named("test-loop-"));
        ServerBootstrap bootstrap = new ServerBootstrap().group(loops).childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel connection) {
                binder.identify(connection, counting, accepted::add);
            }
        });
        binder.configure(bootstrap);
        Channel server = bootstrap.bind(binder.address()).sync().channel();
        try {
            int port = ((InetSocketAddress) binder.boundAddress(server)).getPort();
            Path a = pki.dir().resolve("a");
            SslContext client = ClientTls.of(
                    a.resolve(TestPki.CLIENT_CERT),
                    a.resolve(TestPki.CLIENT_KEY),
                    pki.dir().resolve(TestPki.CA_CERT));
            for (int i = 1; i <= 2; i++) {
                try (P9Client _ = P9Client.connect(new InetSocketAddress("127.0.0.1", port), 8192, client)) {
                    assertEquals("a", accepted.poll(20, TimeUnit.SECONDS), "connection " + i);
                }
            }
            // The first connection's full handshake once; the second resumes (no certificate) and is decided again.
            assertEquals(2, asked.get(), "identifications for two connections");
        } finally {
            server.close().sync();
            binder.unbound();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
