package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2, resource bounds round 11: a TLS VM flooding {@value #CONNECTIONS} connections with tiny requests (Tflush
 * of a free tag, Tgetattr of its root), one TLS record each, never reading, holds its budget plus the read each
 * connection has in hand, not the ~400 bytes of heap each tiny reply record held against ~30 charged.
 */
class TlsSmallRepliesManyConnectionsAttackTest {
    private static final int CONNECTIONS = 64;
    private static final int MSIZE = 8192;
    private static final long REPLY_BYTES = 64 * 1024;
    /** Of the process's memory, which its pools grow by in steps. */
    private static final long SLACK_MIB = 16;

    @TempDir
    Path tmp;

    @Test
    void tinyTlsRepliesOfManyConnectionsHoldTheBudgetAndTheReadsInHand() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        // The budget, and the read each connection has in hand (at most 64 KiB: docs/policy.md).
        long bound = REPLY_BYTES + CONNECTIONS * 64L * 1024;
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
                    UnreadTlsPeer peer = UnreadTlsPeer.connect(listener, "a");
                    peers.add(peer);
                    peer.exchange(Frame.NOTAG, new TMessage.Tversion(MSIZE, P9Client.VERSION));
                    peer.exchange(1, new TMessage.Tattach(0, TMessage.NOFID, "root", "a", 0));
                }
                long before = KeyUpdateOverReplyBudgetAttackTest.heldHeap();
                for (int c = 0; c < CONNECTIONS; c++) {
                    OutputStream out = peers.get(c).tls().getOutputStream();
                    byte[] request = c % 2 == 0
                            ? UnreadTlsPeer.frame(2, new TMessage.Tflush(7))
                            : UnreadTlsPeer.frame(2, new TMessage.Tgetattr(0, 0x7ff));
                    writers.add(Thread.ofPlatform().name("tiny-flood-" + c).start(() -> {
                        try {
                            while (true) {
                                out.write(request);
                                out.flush(); // one TLS record each
                                sent.incrementAndGet();
                                LockSupport.parkNanos(20_000);
                            }
                        } catch (IOException e) {
                            // the socket closed under a blocked write: the end of the test
                        }
                    }));
                }
                long last = -1;
                while (sent.get() != last) {
                    last = sent.get();
                    Thread.sleep(3000);
                }
                charged = admission.queuedReplyBytes();
                held = KeyUpdateOverReplyBudgetAttackTest.heldHeap() - before;
            } finally {
                for (UnreadTlsPeer peer : peers) {
                    peer.raw().close();
                }
            }
            for (Thread writer : writers) {
                writer.join();
            }
            System.out.printf(
                    "%d tiny requests on %d TLS connections: %d KiB charged to a, %d KiB of heap held; bound %d KiB%n",
                    sent.get(), CONNECTIONS, charged >> 10, held >> 10, bound >> 10);
            assertTrue(charged >= REPLY_BYTES, "a reached its budget: " + charged);
            assertTrue(
                    held <= bound + (SLACK_MIB << 20),
                    "a held " + (held >> 10) + " KiB of heap, bound " + (bound >> 10) + " KiB plus " + SLACK_MIB
                            + " MiB of slack");
            assertEquals(List.of(), rig.refusals(), "a was admitted");
        }
    }
}
