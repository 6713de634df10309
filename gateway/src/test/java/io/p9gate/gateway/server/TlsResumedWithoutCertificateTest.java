package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Promise;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.testing.LoggedLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS session that ended its handshake without a client certificate the gate can decide again (a resumed session
 * whose certificate was not kept: the trust manager was not asked) is refused like every other connection without
 * one: the identifier records it (the audit record, rule identity.certificate) and a {@link RefusedPeers} line is
 * logged. The handshake here is one that never ran: its session is the engine's empty one, as such a session is.
 */
class TlsResumedWithoutCertificateTest {
    /** A listener of its own: the line is throttled per listener, and no other test's line may hide this one's. */
    private static final String HOST = "127.0.0.77";

    private static final int PORT = 5640;
    private static final String RESUMED = "TLS session resumed without a client certificate";

    @TempDir
    Path tmp;

    @Test
    void aSessionWithoutACertificateIsRecordedAndLogged() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), "p9gate test CA", List.of(), Duration.ofDays(1));
        ListenSpec.Tls listener = new ListenSpec.Tls(
                HOST,
                PORT,
                ServerTls.load(pki.dir().resolve(TestPki.SERVER_CERT), pki.dir().resolve(TestPki.SERVER_KEY)));
        List<String> recorded = new CopyOnWriteArrayList<>();
        PeerIdentifier identifier = new PeerIdentifier() {
            @Override
            public PeerVerdict identify(ListenSpec on, PeerFacts peer) {
                throw new AssertionError("asked to identify " + peer.describe() + " without a certificate");
            }

            @Override
            public void handshakeFailed(ListenSpec on, String peer, String reason) {
                recorded.add(peer + ": " + reason);
            }
        };
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        List<String> accepted = new CopyOnWriteArrayList<>();
        SslHandler tls = new SslHandler(engine);
        EmbeddedChannel connection =
                new EmbeddedChannel(tls, new TlsIdentityGate(listener, identifier, "127.0.0.1:40000", accepted::add));
        try (LoggedLines log = new LoggedLines(RefusedPeers.class.getName())) {
            handshakeDone(tls, connection);
            connection.runPendingTasks();
            assertEquals(List.of(), accepted, "no VM");
            assertFalse(connection.isOpen(), "the connection is closed");
            assertEquals(List.of("127.0.0.1:40000: " + RESUMED), recorded, "the record");
            String line = "refused a connection on tls:" + HOST + ":" + PORT + ": " + RESUMED;
            assertEquals(1, log.startingWith(line).size(), "the line");
        } finally {
            connection.finishAndReleaseAll();
        }
    }

    /** As the TLS handler ends a handshake: its handshake done (closing then is no handshake failure), then the event. */
    @SuppressWarnings("unchecked")
    private static void handshakeDone(SslHandler tls, EmbeddedChannel connection) {
        ((Promise<Channel>) tls.handshakeFuture()).setSuccess(connection);
        connection.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
    }
}
