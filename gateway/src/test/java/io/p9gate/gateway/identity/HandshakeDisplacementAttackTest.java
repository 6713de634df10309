package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2): a {@code tls:} listener holds at most its VMs' connections awaiting their handshake, and when
 * those places are taken a connection from an address holding fewer takes another's. Among addresses holding one
 * each, the oldest connection went: a peer connecting from fresh addresses (loopback's 127/8, an IPv6 /64) about as
 * often as the places turn over in a handshake's time (8 places in 5 ms: 1,600 connects a second) displaced a VM's
 * handshake every time, each displacement costing it a TCP connect and not a byte; then, silent connections going
 * first, a connect and a few bytes of a ClientHello did. Now a connection the gateway has answered goes after every
 * one whose peer has sent bytes it has not answered, which go after the silent ones.
 */
class HandshakeDisplacementAttackTest {
    private static final int MSIZE = 65536;
    /** Fresh addresses, one connection each: every one past the listener's places takes a place. */
    private static final int FRESH = 20;

    private static final long PACE_MS = 20;

    /** A TLS handshake record's header announcing 512 bytes, and the first bytes of a ClientHello: then nothing. */
    private static final byte[] PARTIAL_CLIENT_HELLO = {22, 3, 1, 2, 0, 1, 0, 1, (byte) 252, 3, 3};

    @TempDir
    Path tmp;

    /**
     * VM b's handshake stands still after the gateway's answer to its ClientHello (held by a relay) while
     * {@value #FRESH} connections from as many fresh addresses arrive and say nothing, against the listener's 2
     * places (VMs a and b, a connection each). Before, the second of them took b's place: b's handshake failed
     * ("Connection closed while SSL/TLS handshake was in progress"). Now each takes the place of the silent one
     * before it, and b is served once its handshake goes on.
     */
    @Test
    void silentConnectionsFromFreshAddressesDoNotDisplaceAHandshakeUnderWay() throws Exception {
        assertServedThrough((listener, from, into) -> listener.silentConnections(1, from, into));
    }

    /**
     * The same, each of the {@value #FRESH} connections sending the first bytes of a ClientHello and stalling.
     * Before, the second of them took b's place, the oldest of those that had sent bytes: b's first request failed
     * (connection closed). Now a connection the gateway has answered goes after every one it has not, and b is
     * served.
     */
    @Test
    void stalledClientHellosFromFreshAddressesDoNotDisplaceAnAnsweredHandshake() throws Exception {
        assertServedThrough((listener, from, into) -> {
            listener.silentConnections(1, from, into);
            into.getLast().getOutputStream().write(PARTIAL_CLIENT_HELLO);
            // Paced as an attacker within the VM's handshake time would be: the gateway has read these bytes
            // before the next one connects. Nothing asserted depends on it; it decides only whether the old
            // order saw this connection as silent or as started when the next one took a place.
            Thread.sleep(PACE_MS);
        });
    }

    /** One connection of the flood, from a fresh address. */
    private interface Arrival {
        void connect(SharedTlsListener listener, String from, List<Socket> into) throws Exception;
    }

    /** VM b is served after {@value #FRESH} arrivals while its handshake stood still after the gateway's answer. */
    private void assertServedThrough(Arrival arrival) throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        List<Socket> flood = new ArrayList<>();
        try (IdentityRig _ = new IdentityRig(tmp).start(listener.vms("{connections: 1}"), listener.serverTls());
                HeldFlightRelay relay = HeldFlightRelay.holdingTheAnswer(listener.port());
                var vm = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<P9Client> b = vm.submit(() -> listener.connect("b", MSIZE, relay.port()));
            assertTrue(relay.awaitAnswer(), "the gateway answers b's ClientHello");
            int closed;
            try {
                for (int i = 1; i <= FRESH; i++) {
                    arrival.connect(listener, "127.0.1." + i, flood);
                }
                // Every one accepted (the gateway has closed those it displaced) before b's handshake goes on.
                closed = SharedTlsListener.closedByGateway(flood);
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
            assertEquals(FRESH - 1, closed, "each connection of the flood took the place of one before it");
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
    }
}
