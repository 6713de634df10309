package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2): a peer without a certificate turns the gateway's displacement of a VM's handshake into a penalty
 * of the VM's own address. A connection closed because another took its place is the gateway's doing, yet it was
 * counted as a failed handshake of its address when its peer had sent bytes (a VM's ClientHello): after a few, the
 * VM's address was refused at accept for seconds, long after the peer stopped.
 */
class DisplacedHandshakePenaltyAttackTest {
    private static final int MSIZE = 65536;
    /** The handshake penalty's free failures (server.HandshakePenalties.FREE_FAILURES). */
    private static final int FREE_FAILURES = 3;
    /** Past the penalty's free failures: the 4th refuses the address for 1 s, the 6th for 4 s. */
    private static final int ROUNDS = 6;

    @TempDir
    Path tmp;

    @Test
    void handshakesDisplacedByAnotherAddressDoNotGetTheVmsAddressRefused() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        List<Socket> sockets = new ArrayList<>();
        try (IdentityRig _ = new IdentityRig(tmp).start(onlyB(listener), listener.serverTls())) {
            assertEquals(-1, roundRefused(listener, round -> "127.0.2." + (round + 1), sockets), "b's address refused");
            try (P9Client b = listener.connect("b", MSIZE)) {
                b.version(MSIZE, "9P2000.L");
                b.attach(0, "root", "b", 0);
                b.walk(0, 1, "b.txt");
                b.lopen(1, 0);
                assertEquals("VM b's view", new String(b.read(1, 0, 100), StandardCharsets.UTF_8));
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /**
     * Displaced by a newer connection of its own address, a handshake the gateway answered still counts: otherwise
     * one address could make the gateway answer ClientHellos without end, each connection displacing its last.
     */
    @Test
    void handshakesDisplacedByTheirOwnAddressStillCount() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        List<Socket> sockets = new ArrayList<>();
        try (IdentityRig _ = new IdentityRig(tmp).start(onlyB(listener), listener.serverTls())) {
            assertEquals(
                    FREE_FAILURES + 1,
                    roundRefused(listener, round -> "127.0.0.1", sockets),
                    "refused after its free failures");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** VM b alone, one connection: the listener's one place awaiting a handshake. */
    private static String onlyB(SharedTlsListener listener) {
        return """
                b:
                  listen: tls:127.0.0.1:%d
                  client-cert: {ca: %s, subject: "CN=b"}
                  shares: {b: {path: %%B, access: read-only}}
                  limits: {connections: 1}
                """.formatted(listener.port(), listener.pki().dir().resolve(TestPki.CA_CERT));
    }

    /**
     * {@link #ROUNDS} times: a connection from b's address (127.0.0.1) sends a ClientHello and reads the gateway's
     * answer, then a silent connection from {@code peer} of the round takes its place. Answers the round at which
     * b's address was refused at accept, or -1.
     */
    private static int roundRefused(SharedTlsListener listener, IntFunction<String> peer, List<Socket> sockets)
            throws Exception {
        byte[] hello = CannedClientHello.of(listener.pki().dir().resolve(TestPki.CA_CERT));
        for (int round = 0; round < ROUNDS; round++) {
            Socket vmsHandshake = new Socket();
            sockets.add(vmsHandshake);
            vmsHandshake.bind(new InetSocketAddress("127.0.0.1", 0));
            vmsHandshake.connect(new InetSocketAddress("127.0.0.1", listener.port()));
            vmsHandshake.getOutputStream().write(hello);
            InputStream in = vmsHandshake.getInputStream();
            vmsHandshake.setSoTimeout(5000);
            if (!answered(in)) {
                return round; // closed unanswered: refused at accept (nothing else takes the place meanwhile)
            }
            listener.silentConnections(1, peer.apply(round), sockets);
            try {
                while (in.read() >= 0) {
                    // the rest of the gateway's flight, until it closes the displaced connection
                }
            } catch (SocketException reset) {
                // closed by the gateway all the same
            }
        }
        return -1;
    }

    private static boolean answered(InputStream in) throws IOException {
        try {
            return in.read() >= 0;
        } catch (SocketException reset) {
            return false;
        }
    }
}
