package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-1/2): TLS 1.3 has no renegotiation, but a KeyUpdate that requests an update is answered by the
 * server's TLS engine with a KeyUpdate of its own, without any 9P traffic. A VM with a valid certificate that sent
 * such requests and never read its socket made the gateway queue one answer per request, without bound: the
 * session's backpressure only watched the replies it wrote itself, and Netty's SslHandler asks for the next read
 * whenever a read gave it no application data. Half a million requests (about 13 MB of answers) were read and
 * answered with nothing read back. Now no read is made while the connection's outbound buffer is above its
 * high-water mark: the flood stops in the attacker's own socket buffers, and another VM on the same listener (and
 * its shared event loops) is served meanwhile.
 */
class KeyUpdateFloodAttackTest {
    private static final int MSIZE = 65536;
    /**
     * Far more KeyUpdates than the gateway's buffers (high-water mark 4 x msize) and the two sockets' buffers hold:
     * the writer stalls after about 150,000 here when the gateway stops reading.
     */
    private static final long FLOOD = 600_000;

    @TempDir
    Path tmp;

    @Test
    void aVmThatRequestsKeyUpdatesAndNeverReadsIsStoppedByBackpressure() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        TestPki pki = listener.pki();
        int port = listener.port();
        String vms = listener.vms("");
        try (IdentityRig rig = new IdentityRig(tmp).start(vms, listener.serverTls())) {
            UnreadTlsPeer peer = UnreadTlsPeer.connect(listener, "a");
            AtomicLong sent = new AtomicLong();
            Thread writer = null;
            try {
                SSLSocket attacker = peer.tls();
                writer = Thread.ofPlatform().name("keyupdate-flood").start(() -> {
                    try {
                        while (sent.get() < FLOOD) {
                            attacker.startHandshake(); // TLS 1.3, after the handshake: a KeyUpdate, update requested
                            sent.incrementAndGet();
                        }
                    } catch (IOException e) {
                        // the socket closed under a blocked write: the end of the test
                    }
                });
                // The writer either sends the whole flood, or stalls once the gateway stops reading.
                long before = -1;
                long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                while (writer.isAlive() && sent.get() != before && System.nanoTime() < deadline) {
                    before = sent.get();
                    Thread.sleep(3000);
                }
                assertTrue(
                        sent.get() < FLOOD,
                        "the gateway read and answered " + sent.get() + " KeyUpdates that were never read back");
                // b shares the listener and its event loops with the stalled connection.
                Path b = pki.dir().resolve("b");
                try (P9Client other = P9Client.connect(
                        new InetSocketAddress("127.0.0.1", port),
                        MSIZE,
                        ClientTls.of(
                                b.resolve(TestPki.CLIENT_CERT),
                                b.resolve(TestPki.CLIENT_KEY),
                                pki.dir().resolve(TestPki.CA_CERT)))) {
                    other.version(MSIZE, "9P2000.L");
                    other.attach(0, "root", "b", 0);
                    other.walk(0, 1, "b.txt");
                    other.lopen(1, 0);
                    assertEquals("VM b's view", new String(other.read(1, 0, 100), StandardCharsets.UTF_8));
                }
            } finally {
                peer.raw().close(); // not the TLS socket: its close waits for the writer, blocked in a write
            }
            if (writer != null) {
                writer.join();
            }
            assertEquals(List.of(), rig.refusals(), "both VMs were admitted");
        }
    }
}
