package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.HostResources;
import io.p9gate.gateway.client.P9Client;
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
    private static final int ADDRESSES = 80;
    private static final int PER_ADDRESS = 4;

    @TempDir
    Path tmp;

    @Test
    void aPeerThatNeverHandshakesHoldsNoMoreThanAVmsConnections() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        String vms = listener.vms("{connections: " + CONNECTIONS + "}");
        List<Socket> flood = new ArrayList<>();
        try (IdentityRig rig = new IdentityRig(tmp).start(vms, listener.serverTls())) {
            long poolBefore = held(rig);
            try {
                // The attacker: another address of the loopback, connections that never start a handshake.
                listener.silentConnections(FLOOD, flood);
                // A VM from its own address is served meanwhile; its accept comes after the flood's.
                assertVmBIsServed(listener);
                assertEquals(
                        FLOOD - CONNECTIONS,
                        SharedTlsListener.closedByGateway(flood),
                        "connections past the first " + CONNECTIONS + " awaiting their handshake are closed");
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
            assertEveryPlaceGivenBack(rig, poolBefore);
        }
    }

    /**
     * Attack: the cap per address holds one address. A peer cycling through addresses (any host user has loopback's
     * 127/8, a guest maybe an IPv6 /64) held a VM's connections from each, every one a descriptor of the pool the VMs'
     * descriptors and connections come from: here {@value #ADDRESSES} addresses of {@value #PER_ADDRESS} silent
     * connections against a pool of 236 descriptors. Before, the pool was spent (236 held, 84 closed) and VM b's
     * connection was closed at accept. Now the listener holds at most what its VMs may hold connections together
     * (2 x {@value #PER_ADDRESS}), and a connection from an address holding fewer takes the place of the oldest of the
     * address holding most: b is served, and the flood holds no more than those places.
     */
    @Test
    void aPeerCyclingThroughAddressesHoldsNoMoreThanTheListenersVmsConnections() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        String vms = listener.vms("{connections: " + PER_ADDRESS + ", descriptors: 40}");
        List<Socket> flood = new ArrayList<>();
        IdentityRig rig = new IdentityRig(tmp);
        HostResources host = HostResources.current();
        rig.host = new HostResources(300, 0, host.maxHeap(), host.maxDirect()); // a pool of 300 - 64 (reserve)
        try (rig) {
            rig.start(vms, listener.serverTls());
            long poolBefore = held(rig);
            try {
                for (int i = 0; i < ADDRESSES; i++) {
                    listener.silentConnections(PER_ADDRESS, "127.0.0." + (2 + i), flood);
                }
                assertVmBIsServed(listener);
                int closed = SharedTlsListener.closedByGateway(flood);
                assertTrue(
                        closed >= flood.size() - 2 * PER_ADDRESS,
                        closed + " of " + flood.size() + " closed: the flood holds no more than the VMs' connections");
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
            assertEveryPlaceGivenBack(rig, poolBefore);
        }
    }

    /** VM b, from 127.0.0.1, connects, attaches and reads its file. */
    private static void assertVmBIsServed(SharedTlsListener listener) throws Exception {
        try (P9Client b = listener.connect("b", MSIZE)) {
            b.version(MSIZE, "9P2000.L");
            b.attach(0, "root", "b", 0);
            b.walk(0, 1, "b.txt");
            b.lopen(1, 0);
            assertEquals("VM b's view", new String(b.read(1, 0, 100), StandardCharsets.UTF_8));
        }
    }

    private static void assertEveryPlaceGivenBack(IdentityRig rig, long poolBefore) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (held(rig) != poolBefore && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(poolBefore, held(rig), "every held descriptor given back");
    }

    /** The descriptors the VMs and the connections awaiting their handshake hold. */
    private static long held(IdentityRig rig) {
        return rig.budgets.descriptorPool().used() + rig.budgets.handshakes().used();
    }
}
