package io.p9gate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.p9gate.gateway.certs.TestPki;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own TLS engine (JDK) answering a ClientHello whose key share is for a group it does not take: its
 * HelloRetryRequest costs no key exchange and must not rank the connection "answered" ({@link UnidentifiedPeers}),
 * nor may what the engine writes right after it. In TLS 1.3's middlebox compatibility mode (a JDK or OpenSSL
 * client's default: a non-empty legacy session id) that is a ChangeCipherSpec record (RFC 8446, D.4), written apart.
 */
class HelloRetryAnswerTest {
    @TempDir
    Path dir;

    @Test
    void neitherAHelloRetryRequestNorTheChangeCipherSpecAfterItIsAnAnswer() throws Exception {
        TestPki.create(dir, "ca", List.of("localhost"), Duration.ofDays(1));
        ServerTls tls = ServerTls.load(dir.resolve(TestPki.SERVER_CERT), dir.resolve(TestPki.SERVER_KEY));
        SslHandler server = tls.context(InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0])
                .newHandler(ByteBufAllocator.DEFAULT);
        groups(server.engine(), "secp384r1");
        EmbeddedChannel channel = new EmbeddedChannel(new HandshakeCost(), server);

        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        SSLEngine client = context.createSSLEngine("localhost", 1);
        client.setUseClientMode(true);
        groups(client, "x25519", "secp256r1", "secp384r1"); // no key share for the last
        ByteBuffer hello = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), hello);
        hello.flip();
        channel.writeInbound(Unpooled.wrappedBuffer(hello));
        channel.runPendingTasks();

        List<ByteBuf> out = new ArrayList<>();
        for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
            out.add(b);
        }
        assertTrue(out.stream().anyMatch(HelloRetryAnswerTest::helloRetryRequest), "a HelloRetryRequest: " + out);
        assertFalse(HandshakeCost.answered(channel), "answered by " + out.size() + " writes: no key exchange made");

        // The client's second ClientHello, with the key share asked for: the ServerHello is the answer.
        ByteBuffer unused = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
        for (ByteBuf b : out) {
            client.unwrap(b.nioBuffer(), unused);
            b.release();
        }
        for (Runnable task = client.getDelegatedTask(); task != null; task = client.getDelegatedTask()) {
            task.run();
        }
        ByteBuffer again = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), again);
        again.flip();
        channel.writeInbound(Unpooled.wrappedBuffer(again));
        channel.runPendingTasks();
        assertTrue(HandshakeCost.answered(channel), "the ServerHello to the second ClientHello");
        channel.finishAndReleaseAll();
    }

    private static void groups(SSLEngine engine, String... names) {
        SSLParameters p = engine.getSSLParameters();
        p.setNamedGroups(names);
        engine.setSSLParameters(p);
    }

    private static boolean helloRetryRequest(ByteBuf b) {
        if (b.readableBytes() < 11 + 32 || b.getByte(0) != 22 || b.getByte(5) != 2) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            if (b.getByte(11 + i) != HandshakeCost.HELLO_RETRY_REQUEST[i]) {
                return false;
            }
        }
        return true;
    }
}
