package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.server.GatewayConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2, resource bounds round 9: a TLS VM over its {@code reply-bytes} budget is not read on any connection, not
 * even by the TLS engine. Netty's SslHandler asks for a read whenever one gave it no application data (a KeyUpdate
 * request, an empty record), whatever auto-read says; the read gate below it withheld those only past the
 * connection's own high-water mark (4 x msize). VM a, flooding {@value #CONNECTIONS} connections with KeyUpdate
 * requests and never reading, had each of them queue answers up to that mark: far past its budget of
 * {@value #REPLY_BYTES} bytes.
 */
class KeyUpdateOverReplyBudgetAttackTest {
    private static final int CONNECTIONS = 4;
    private static final long REPLY_BYTES = 64 * 1024;
    private static final long MSIZE = GatewayConfig.DEFAULT_MSIZE;
    /** More than a connection's high-water mark holds of answers (about 150,000): the writer stalls before. */
    private static final long FLOOD = 400_000;
    /**
     * What an answer holds besides the bytes it is charged (its outbound entry, promise and buffer objects: about 400
     * bytes of heap for a 30-byte record), for the few thousand each connection answers of the read in hand.
     */
    private static final long SLACK_MIB = 16;

    @TempDir
    Path tmp;

    @Test
    void keyUpdatesOfAVmOverItsReplyBudgetAreNotRead() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        // The budget, and the read each connection has in hand when the VM goes over it (Budgets: 2 x msize).
        long bound = REPLY_BYTES + CONNECTIONS * 2L * MSIZE;
        try (IdentityRig rig =
                new IdentityRig(tmp).start(listener.vms("{reply-bytes: " + REPLY_BYTES + "}"), listener.serverTls())) {
            Admission admission = rig.budgets.vm("a").orElseThrow().admission();
            List<UnreadTlsPeer> peers = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            AtomicLong sent = new AtomicLong();
            long charged;
            long held;
            try {
                for (int c = 0; c < CONNECTIONS; c++) {
                    peers.add(UnreadTlsPeer.connect(listener, "a"));
                }
                long before = heldHeap(); // the handshakes' state and buffers made: what the flood adds
                for (UnreadTlsPeer peer : peers) {
                    SSLSocket attacker = peer.tls();
                    writers.add(Thread.ofPlatform()
                            .name("keyupdate-flood-" + writers.size())
                            .start(() -> {
                                try {
                                    for (long i = 0; i < FLOOD; i++) {
                                        attacker.startHandshake(); // TLS 1.3: a KeyUpdate, update requested
                                        sent.incrementAndGet();
                                    }
                                } catch (IOException e) {
                                    // the socket closed under a blocked write: the end of the test
                                }
                            }));
                }
                // Until every writer stalls (the gateway stopped reading) or sent its whole flood.
                long last = -1;
                while (writers.stream().anyMatch(Thread::isAlive) && sent.get() != last) {
                    last = sent.get();
                    Thread.sleep(3000);
                }
                charged = admission.queuedReplyBytes();
                held = heldHeap() - before;
            } finally {
                for (UnreadTlsPeer peer : peers) {
                    peer.raw().close(); // not the TLS socket: its close waits for a writer blocked in a write
                }
            }
            for (Thread writer : writers) {
                writer.join();
            }
            System.out.printf(
                    "%d KeyUpdates sent on %d connections: %d KiB charged to a, %d KiB of heap held; bound %d KiB%n",
                    sent.get(), CONNECTIONS, charged >> 10, held >> 10, bound >> 10);
            assertTrue(charged > REPLY_BYTES, "a went over its budget: " + charged);
            assertTrue(charged <= bound, "a's unread answers: " + (charged >> 10) + " KiB, bound " + (bound >> 10));
            assertTrue(
                    held <= bound + (SLACK_MIB << 20),
                    "a held " + (held >> 10) + " KiB of heap, bound " + (bound >> 10) + " KiB plus " + SLACK_MIB
                            + " MiB of slack");
            assertEquals(List.of(), rig.refusals(), "a was admitted");
        }
    }

    /** Heap in use after a collection: what the unread answers hold (records and their buffers, heap ones). */
    static long heldHeap() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
