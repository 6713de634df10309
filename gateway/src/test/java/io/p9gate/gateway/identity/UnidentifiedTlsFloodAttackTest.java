package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.certs.TestPki;
import io.p9gate.gateway.client.ClientTls;
import io.p9gate.gateway.client.P9Client;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2): on a {@code tls:} listener several VMs share, the VM is known only once the handshake is done,
 * and until then a connection counted against nothing. A peer that connects and never says a byte held a
 * descriptor per connection for the whole handshake timeout, without any limit: opened faster than they time out,
 * such connections took every descriptor of the process, the reserve that accept(2) and the audit log live on
 * included, and with it every other VM's service. A peer address may hold at most as many connections awaiting
 * their handshake as a VM may hold connections; the rest are closed at accept, while a VM connecting from another
 * address is served.
 */
class UnidentifiedTlsFloodAttackTest {
    private static final int MSIZE = 65536;
    private static final int CONNECTIONS = 2;
    private static final int FLOOD = 24;

    @TempDir
    Path tmp;

    @Test
    void aPeerThatNeverHandshakesHoldsNoMoreThanAVmsConnections() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        TestPki pki = listener.pki();
        int port = listener.port();
        String vms = listener.vms("{connections: " + CONNECTIONS + "}");
        List<Socket> flood = new ArrayList<>();
        try (IdentityRig rig = new IdentityRig(tmp).start(vms, listener.serverTls())) {
            long poolBefore = rig.budgets.descriptorPool().used();
            try {
                // The attacker: another address of the loopback, connections that never start a handshake.
                listener.silentConnections(FLOOD, flood);
                // A VM from its own address is served meanwhile; its accept comes after the flood's.
                Path dir = pki.dir().resolve("b");
                try (P9Client b = P9Client.connect(
                        new InetSocketAddress("127.0.0.1", port),
                        MSIZE,
                        ClientTls.of(
                                dir.resolve(TestPki.CLIENT_CERT),
                                dir.resolve(TestPki.CLIENT_KEY),
                                pki.dir().resolve(TestPki.CA_CERT)))) {
                    b.version(MSIZE, "9P2000.L");
                    b.attach(0, "root", "b", 0);
                    b.walk(0, 1, "b.txt");
                    b.lopen(1, 0);
                    assertEquals("VM b's view", new String(b.read(1, 0, 100), StandardCharsets.UTF_8));
                }
                assertEquals(
                        FLOOD - CONNECTIONS,
                        SharedTlsListener.closedByGateway(flood),
                        "connections past the first " + CONNECTIONS + " awaiting their handshake are closed");
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (rig.budgets.descriptorPool().used() != poolBefore && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(poolBefore, rig.budgets.descriptorPool().used(), "every held descriptor given back");
        }
    }
}
