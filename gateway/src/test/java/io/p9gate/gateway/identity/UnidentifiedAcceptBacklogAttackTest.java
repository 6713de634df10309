package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AuditEntry;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack (R-ROB-2), before any certificate: a {@code tls:} listener several VMs share took a connection's place
 * among those awaiting their handshake (at most a VM's connections per peer address) on the shared event loops,
 * after accept(2) had given it a descriptor. A peer connecting and closing as fast as it could (three processes,
 * no byte sent) outran those loops: the deployed gateway held 12,049 descriptors within 4 s (ulimit -n 20,000),
 * counted nowhere, enough with one VM at its descriptor budget to make every VM's opens and every accept fail.
 * The place is now taken at accept, on the accept thread: past it the connection takes the place of the address's
 * oldest, which is closed; with as many of those still closing (on their busy loop) as the listener has places, the
 * listener accepts no more until one has (TlsDisplacedDescriptorAttackTest): the rest wait in the kernel's listen
 * queue, holding no descriptor of the process.
 *
 * <p>Here the shared loops are held inside the record of the first refusal made on them, and one address connects
 * 24 times under a cap of 2 (the listener's places: 4).
 */
class UnidentifiedAcceptBacklogAttackTest {
    private static final int MSIZE = 65536;
    private static final int CONNECTIONS = 2;
    private static final int FLOOD = 24;
    /** VMs a and b, {@value #CONNECTIONS} connections each. */
    private static final int PLACES = 2 * CONNECTIONS;

    @TempDir
    Path tmp;

    @Test
    void connectionsPastTheCapAreClosedAtAcceptWhileTheSharedLoopsAreBusy() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        List<Socket> flood = new ArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        try (IdentityRig rig =
                new IdentityRig(tmp).start(listener.vms("{connections: " + CONNECTIONS + "}"), listener.serverTls())) {
            rig.beforeRecord = entry -> holdSharedLoop(entry, release);
            try {
                listener.silentConnections(FLOOD, flood);
                int closedMeanwhile = SharedTlsListener.closedByGateway(flood); // 2 s: the accept thread's time
                int open = listener.openInGateway();
                assertTrue(
                        open <= 2 * PLACES,
                        open + " sockets open in the gateway, whatever the shared loops do (" + closedMeanwhile
                                + " closed)");
            } finally {
                release.countDown();
            }
            try {
                assertEquals(
                        FLOOD - CONNECTIONS,
                        SharedTlsListener.closedByGateway(flood),
                        "connections past the first " + CONNECTIONS + " closed once the loops go on");
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
            try (var b = listener.connect("b", MSIZE)) {
                b.version(MSIZE, "9P2000.L");
                b.attach(0, "root", "b", 0);
                b.walk(0, 1, "b.txt");
                b.lopen(1, 0);
                assertEquals("VM b's view", new String(b.read(1, 0, 100), StandardCharsets.UTF_8));
            }
            assertTrue(rig.refusals().size() >= FLOOD - CONNECTIONS, "each refusal recorded: " + rig.refusals());
        }
    }

    /** Holds a shared event loop in the record of a refusal made on it, until {@code release}. */
    private static void holdSharedLoop(AuditEntry entry, CountDownLatch release) {
        if (Thread.currentThread().getName().startsWith("p9gate-io-shared-")
                && entry.decision() != null
                && !entry.decision().allowed()) {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
