package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
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
 * Attack (R-ROB-2): a {@code tls:} listener's connection displaced from the places of those awaiting their handshake
 * is closed through its own event loop, but its descriptor of the pool passed to the newcomer at once. While that loop
 * was busy, every displaced connection stayed open, counted nowhere: {@value #FLOOD} silent connections from fresh
 * loopback addresses against the listener's 2 places left the gateway holding 41 sockets of the listener. Now a
 * displaced connection keeps a place (among the listener's "closing" ones, as many as its places) until it has
 * closed, and with as many closing the listener accepts no more until one has (the rest wait in the kernel's listen
 * queue): the gateway holds at most twice the listener's places.
 *
 * <p>Here the shared loop (one on 2 cores) is held in the record of a garbage connection's failed handshake, and the
 * gateway's sockets are counted for {@value #WATCH_MS} ms after the displacements began: nothing marks when the
 * accept thread has nothing more to do, so the most seen in that time is what is asserted.
 */
class TlsDisplacedDescriptorAttackTest {
    private static final int MSIZE = 65536;
    /** VMs a and b, a connection each. */
    private static final int PLACES = 2;

    private static final int FLOOD = 40;

    private static final long WATCH_MS = 2000;

    @TempDir
    Path tmp;

    @Test
    void displacedConnectionsOnABusyLoopStayCountedUntilTheyClose() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        List<Socket> flood = new ArrayList<>();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // A connection past the listener's places is displaced or refused on the accept thread, a record each.
        CountDownLatch atAccept = new CountDownLatch(PLACES);
        try (IdentityRig rig = new IdentityRig(tmp).start(listener.vms("{connections: 1}"), listener.serverTls())) {
            rig.beforeRecord = entry -> {
                if (entry.decision() == null || entry.decision().allowed()) {
                    return;
                }
                if (!Thread.currentThread().getName().startsWith("p9gate-io-shared-")) {
                    atAccept.countDown();
                    return;
                }
                held.countDown();
                await(release);
            };
            int most = 0;
            try {
                Socket garbage = connect(listener, "127.0.0.9");
                flood.add(garbage);
                garbage.getOutputStream().write("not TLS at all\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(held.await(30, TimeUnit.SECONDS), "the shared loop is held");
                for (int i = 1; i <= FLOOD; i++) {
                    flood.add(connect(listener, "127.0.1." + i));
                }
                assertTrue(atAccept.await(30, TimeUnit.SECONDS), "displacements recorded at accept");
                for (long end = System.nanoTime() + WATCH_MS * 1_000_000; System.nanoTime() < end; ) {
                    most = Math.max(most, listener.openInGateway());
                    Thread.sleep(20); // a sampling period, not a synchronisation
                }
            } finally {
                release.countDown();
            }
            assertTrue(
                    most <= 2 * PLACES,
                    most + " sockets of the listener open in the gateway with its loop busy, for " + PLACES
                            + " places");
            // Once the loop goes on, the listener accepts again: each silent one is displaced by a later one, but
            // those holding the places (the garbage connection's is free again).
            int closed = SharedTlsListener.closedByGateway(flood.subList(1, flood.size()));
            assertTrue(closed >= FLOOD - PLACES, closed + " of " + FLOOD + " closed: the listener accepts again");
            for (Socket s : flood) {
                s.close();
            }
            try (var b = listener.connect("b", MSIZE)) {
                b.version(MSIZE, "9P2000.L");
                b.attach(0, "root", "b", 0);
                b.walk(0, 1, "b.txt");
                b.lopen(1, 0);
                assertEquals("VM b's view", new String(b.read(1, 0, 100), StandardCharsets.UTF_8));
            }
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
    }

    private static Socket connect(SharedTlsListener listener, String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", listener.port()));
        return s;
    }

    private static void await(CountDownLatch release) {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
