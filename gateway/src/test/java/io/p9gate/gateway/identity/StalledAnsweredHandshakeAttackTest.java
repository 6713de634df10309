package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.certs.CannedClientHello;
import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.P9Client;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2): a peer without a certificate holds a {@code tls:} listener's place with a handshake the gateway
 * answered (a key exchange) and that then stalls: a real JDK client's ClientHello, whose peer reads the gateway's
 * flight and never sends its own. It outranked every connection not answered yet until the handshake timeout
 * (10 s), a VM's too, so one such connection per place, renewed a key exchange per place per 10 s, and a silent
 * connect in the moment before the gateway answered the VM took the VM's place (ad hoc: 2 places, 840 silent
 * connects a second, VM b served once in 8 tries). Now a handshake not ended {@link #GRACE} after the gateway's
 * answer goes first, and its displacement counts as its address's failed handshake.
 */
class StalledAnsweredHandshakeAttackTest {
    private static final int MSIZE = 65536;
    /** Past the gateway's grace after its answer (server.UnidentifiedPeers.ANSWER_GRACE, 3 s). */
    private static final Duration GRACE = Duration.ofMillis(3500);
    /** The handshake penalty's free failures (server.HandshakePenalties.FREE_FAILURES). */
    private static final int FREE_FAILURES = 3;

    @TempDir
    Path tmp;

    /**
     * The listener's 2 places (VMs a and b, a connection each): one held by a stalled answered handshake past the
     * grace, the other by VM b's connection, whose ClientHello a relay holds (b's moment before the gateway answers
     * it); then one silent connection from a fresh address. Before, it took b's place (b: "connection closed") and
     * the stalled one stayed. Now it takes the stalled one's, and b is served.
     */
    @Test
    void aStalledAnsweredHandshakeGoesBeforeAVmsNotAnsweredYet() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        byte[] hello = CannedClientHello.of(listener.pki().dir().resolve(TestPki.CA_CERT));
        List<Socket> sockets = new ArrayList<>();
        try (IdentityRig _ = new IdentityRig(tmp).start(listener.vms("{connections: 1}"), listener.serverTls());
                HeldFlightRelay relay = HeldFlightRelay.holdingTheClient(listener.port());
                var vm = Executors.newVirtualThreadPerTaskExecutor()) {
            Socket stalled = answeredThenStalled(listener, "127.0.4.1", hello, sockets);
            Thread.sleep(GRACE.toMillis()); // the stall itself: time passing without a byte from its peer
            Future<P9Client> b = vm.submit(() -> listener.connect("b", MSIZE, relay.port()));
            assertTrue(relay.awaitConnected(), "b's connection reaches the gateway, its ClientHello held");
            int closed;
            try {
                listener.silentConnections(1, "127.0.5.1", sockets);
                closed = SharedTlsListener.closedByGateway(List.of(stalled));
            } finally {
                relay.release();
            }
            try (P9Client client = b.get()) {
                client.version(MSIZE, "9P2000.L");
                client.attach(0, "root", "b", 0);
                client.walk(0, 1, "b.txt");
                client.lopen(1, 0);
                assertEquals("VM b's view", new String(client.read(1, 0, 100), StandardCharsets.UTF_8));
            }
            assertEquals(1, closed, "the stalled handshake gave up its place");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /**
     * {@value #FREE_FAILURES} + 1 stalled answered handshakes from one address, past the grace, each displaced by a
     * silent connection from another: each is that address's failed handshake (it made the gateway answer, then
     * stalled), so the address is refused at accept for a while. Before, a displacement by another address never
     * counted, and an address could make the gateway answer ClientHellos without end while holding places.
     */
    @Test
    void stalledAnsweredHandshakesDisplacedCountAsTheirAddresssFailures() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        byte[] hello = CannedClientHello.of(listener.pki().dir().resolve(TestPki.CA_CERT));
        List<Socket> sockets = new ArrayList<>();
        // {connections: 4}: an address may hold 4 places, the listener 8.
        try (IdentityRig _ = new IdentityRig(tmp).start(listener.vms("{connections: 4}"), listener.serverTls())) {
            List<Socket> stalled = new ArrayList<>();
            for (int i = 0; i <= FREE_FAILURES; i++) {
                stalled.add(answeredThenStalled(listener, "127.0.4.1", hello, sockets));
            }
            Thread.sleep(GRACE.toMillis()); // the stall itself
            for (int i = 0; i < 4; i++) {
                answeredThenStalled(listener, "127.0.4.2", hello, sockets); // the other places, within their grace
            }
            for (int i = 0; i <= FREE_FAILURES; i++) {
                listener.silentConnections(1, "127.0.5." + (i + 1), sockets);
            }
            assertEquals(FREE_FAILURES + 1, SharedTlsListener.closedByGateway(stalled), "each gave up its place");
            Socket again = new Socket();
            sockets.add(again);
            again.bind(new InetSocketAddress("127.0.4.1", 0));
            again.connect(new InetSocketAddress("127.0.0.1", listener.port()));
            again.getOutputStream().write(hello);
            again.setSoTimeout(5000);
            assertTrue(!answered(again.getInputStream()), "127.0.4.1 refused at accept after its free failures");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** A connection from {@code from} whose ClientHello the gateway answered, and whose peer then sends nothing. */
    private static Socket answeredThenStalled(SharedTlsListener listener, String from, byte[] hello, List<Socket> into)
            throws IOException {
        Socket s = new Socket();
        into.add(s);
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", listener.port()));
        s.getOutputStream().write(hello);
        s.setSoTimeout(5000);
        assertTrue(answered(s.getInputStream()), "the gateway answers the ClientHello from " + from);
        return s;
    }

    private static boolean answered(InputStream in) throws IOException {
        try {
            return in.read() >= 0;
        } catch (SocketException reset) {
            return false;
        }
    }
}
