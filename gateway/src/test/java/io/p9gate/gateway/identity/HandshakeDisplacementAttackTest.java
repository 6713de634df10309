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
 * handshake every time, each displacement costing it a TCP connect and not a byte. Now a connection whose peer has
 * sent nothing goes before one whose handshake is under way.
 */
class HandshakeDisplacementAttackTest {
    private static final int MSIZE = 65536;
    /** Fresh addresses, one silent connection each: every one past the listener's places takes a place. */
    private static final int SILENT = 20;

    @TempDir
    Path tmp;

    /**
     * VM b's handshake stands still after its ClientHello (the gateway's answer held by a relay) while
     * {@value #SILENT} connections from as many fresh addresses arrive and say nothing, against the listener's 2
     * places (VMs a and b, a connection each). Before, the second of them took b's place: b's handshake failed
     * ("Connection closed while SSL/TLS handshake was in progress"). Now each takes the place of the silent one
     * before it, and b is served once its handshake goes on.
     */
    @Test
    void silentConnectionsFromFreshAddressesDoNotDisplaceAHandshakeUnderWay() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        List<Socket> silent = new ArrayList<>();
        try (IdentityRig _ = new IdentityRig(tmp).start(listener.vms("{connections: 1}"), listener.serverTls());
                HeldFlightRelay relay = new HeldFlightRelay(listener.port());
                var vm = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<P9Client> b = vm.submit(() -> listener.connect("b", MSIZE, relay.port()));
            assertTrue(relay.awaitAnswer(), "the gateway answers b's ClientHello");
            int closed;
            try {
                for (int i = 1; i <= SILENT; i++) {
                    listener.silentConnections(1, "127.0.1." + i, silent);
                }
                // Every one accepted (the gateway has closed those it displaced) before b's handshake goes on.
                closed = SharedTlsListener.closedByGateway(silent);
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
            assertEquals(SILENT - 1, closed, "each silent connection took the place of the silent one before it");
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }
}
