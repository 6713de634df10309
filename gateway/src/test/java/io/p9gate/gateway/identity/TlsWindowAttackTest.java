package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2): a peer without a certificate keeps a VM from starting its TLS handshake on a shared
 * {@code tls:} listener. A loopback peer can bind any 127/8 address, the VM's own (127.0.0.1 for a sidecar) too.
 */
class TlsWindowAttackTest {
    private static final int MSIZE = 65536;

    @TempDir
    Path tmp;

    /**
     * From VM b's own address, as many silent connections as one address may hold awaiting their handshake (a VM's
     * connections limit, 2). Before, b's connection was refused at accept while they stayed (each for up to the
     * handshake timeout, renewed as often: 2 connects per 10 s kept b out). Now b's connection takes the place of
     * the oldest silent one of its address.
     */
    @Test
    void silentConnectionsFromTheVmsOwnAddressDoNotHoldItOut() throws Exception {
        assertBServedPast("{connections: 2}", List.of("127.0.0.1", "127.0.0.1"));
    }

    /**
     * The listener's 4 places held one per address, one of them b's own: nobody holds more than b's address, and
     * b's connection was refused (it would have displaced an equal). Now it takes the place of its own address's.
     */
    @Test
    void silentConnectionsHoldingEveryPlaceOnePerAddressDoNotHoldOutAVm() throws Exception {
        assertBServedPast("{connections: 2}", List.of("127.0.0.1", "127.0.1.1", "127.0.1.2", "127.0.1.3"));
    }

    private void assertBServedPast(String limits, List<String> silentFrom) throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        List<Socket> silent = new ArrayList<>();
        try (IdentityRig _ = new IdentityRig(tmp).start(listener.vms(limits), listener.serverTls())) {
            for (String from : silentFrom) {
                listener.silentConnections(1, from, silent);
            }
            try (P9Client b = listener.connect("b", MSIZE)) {
                b.version(MSIZE, "9P2000.L");
                b.attach(0, "root", "b", 0);
                b.walk(0, 1, "b.txt");
                b.lopen(1, 0);
                assertEquals("VM b's view", new String(b.read(1, 0, 100), StandardCharsets.UTF_8));
            }
            assertEquals(1, SharedTlsListener.closedByGateway(silent), "b's connection took one place");
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }
}
