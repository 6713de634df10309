package io.p9gate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2: a TLS VM's unread small replies are charged to its reply-bytes budget about what they hold. The JDK TLS
 * engine writes each record in a heap buffer of its largest packet (about 16.7 KiB), and the meter charges a buffer's
 * capacity: VM a, sending one Tflush of a free tag per TLS record and never reading, was charged 475 MB for the
 * ~28,000 Rflush records (30 bytes each) its connection held before reading stopped, while the heap grew 7 MiB. An
 * honest TLS guest's budget thus held a few hundred small replies waiting on its socket.
 */
class TlsSmallRecordChargeAttackTest {
    /** Far more than the connection holds: the writer stalls once the gateway stops reading. */
    private static final long FLOOD = 300_000;
    /** What the connection may hold before it stops reading: its high-water mark, twice over. */
    private static final long BOUND = 2L * 4 * GatewayConfig.DEFAULT_MSIZE;

    @TempDir
    Path tmp;

    @Test
    void smallRecordsLeftUnreadAreChargedAboutTheirBytes() throws Exception {
        SharedTlsListener listener = SharedTlsListener.create(tmp);
        try (IdentityRig rig = new IdentityRig(tmp).start(listener.vms(""), listener.serverTls())) {
            UnreadTlsPeer peer = UnreadTlsPeer.connect(listener, "a");
            AtomicLong sent = new AtomicLong();
            Thread writer = null;
            try {
                SSLSocket attacker = peer.tls();
                OutputStream out = attacker.getOutputStream();
                InputStream in = attacker.getInputStream();
                out.write(UnreadTlsPeer.frame(
                        Frame.NOTAG, new TMessage.Tversion(GatewayConfig.DEFAULT_MSIZE, P9Client.VERSION)));
                out.flush();
                byte[] head = in.readNBytes(4);
                in.readNBytes(((head[0] & 0xff) | (head[1] & 0xff) << 8 | (head[2] & 0xff) << 16) - 4);
                Admission admission = rig.budgets.vm("a").orElseThrow().admission();
                byte[] flush = UnreadTlsPeer.frame(1, new TMessage.Tflush(7));
                writer = Thread.ofPlatform().name("tflush-flood").start(() -> {
                    try {
                        while (sent.get() < FLOOD) {
                            out.write(flush);
                            out.flush(); // one TLS record each, and paced: one reply per flush of the gateway's
                            sent.incrementAndGet();
                            LockSupport.parkNanos(20_000);
                        }
                    } catch (IOException e) {
                        // the socket closed under a blocked write: the end of the test
                    }
                });
                long before = -1;
                long peak = 0;
                for (int i = 0; i < 60 && writer.isAlive() && sent.get() != before; i++) {
                    before = sent.get();
                    Thread.sleep(2000);
                    peak = Math.max(peak, admission.queuedReplyBytes());
                }
                System.out.printf(
                        "sent %d Tflush records; a's unread replies charged %d KiB at most%n", sent.get(), peak >> 10);
                assertTrue(peak > 0, "the replies were left unread");
                assertTrue(
                        peak <= BOUND,
                        "a's unread replies were charged " + (peak >> 10) + " KiB, bound " + (BOUND >> 10) + " KiB");
            } finally {
                peer.raw().close(); // not the TLS socket: its close waits for the writer, blocked in a write
            }
            if (writer != null) {
                writer.join();
            }
        }
    }
}
