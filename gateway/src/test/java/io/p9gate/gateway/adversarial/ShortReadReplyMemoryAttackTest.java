package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2, {@code reply-bytes}: what a VM's unread replies hold of the gateway's memory stays within its budget. VM
 * alpha (msize 1 MiB + 4 KiB, 4 requests in service, 512 KiB of unread replies) pipelines {@value #READS} Treads
 * of count msize - 11 on a 4 KiB file and never reads a reply. The bound is what {@code serve} itself promises for
 * the VM's frames (Budgets: reply-bytes plus twice msize per request in service and per connection), plus
 * {@value #SLACK_MIB} MiB for the allocator's chunks. Each short read kept the whole msize-sized buffer it was read
 * into while the budget was charged the 4 KiB it carried, so alpha held 1 MiB of direct memory per 4 KiB counted.
 */
class ShortReadReplyMemoryAttackTest {
    private static final int MSIZE = GatewayConfig.DEFAULT_MSIZE;
    private static final int FILE_BYTES = 4096;
    private static final int READS = 400;
    private static final long OUTSTANDING = 4;
    private static final long CONNECTIONS = 2;
    private static final long REPLY_BYTES = 512 * 1024;
    private static final long LOTS = 1 << 20;
    private static final long SLACK_MIB = 16;

    @TempDir
    Path tmp;

    @Test
    void shortReadsLeftUnreadHoldNoMoreThanTheReplyBudget() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        Files.write(fx.data.resolve("small"), new byte[FILE_BYTES]);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        Limits limits = new Limits(CONNECTIONS, OUTSTANDING, LOTS, LOTS, LOTS, LOTS, REPLY_BYTES, 1);
        long bound = REPLY_BYTES + (OUTSTANDING + CONNECTIONS) * 2L * MSIZE + (SLACK_MIB << 20);
        long before;
        long peak;
        long after;
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail, limits)) {
            BudgetedAlphaGateway.betaReads(fx);
            before = directMemory();
            peak = before;
            Admission alpha = gateway.alpha.admission();
            try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(fx.alphaSocket))) {
                UnreadConnection.sendAndRead(raw, Frame.NOTAG, new TMessage.Tversion(MSIZE, P9Client.VERSION));
                UnreadConnection.sendAndRead(raw, 1, new TMessage.Tattach(0, -1, "root", "data", 0));
                UnreadConnection.sendAndRead(raw, 2, new TMessage.Twalk(0, 1, List.of("small")));
                UnreadConnection.sendAndRead(raw, 3, new TMessage.Tlopen(1, 0));
                ByteBuffer reads = ByteBuffer.allocate(READS * 23);
                for (int i = 0; i < READS; i++) {
                    reads.put(UnreadConnection.encoded(10 + i, new TMessage.Tread(1, 0, MSIZE - 11)));
                }
                reads.flip();
                raw.configureBlocking(false);
                // Until the gateway holds alpha back (its replies at the budget, nothing in service): from then on
                // it takes nothing more of alpha, and what it holds for alpha is what alpha's budget let it hold.
                for (int i = 0; i < 3000 && !(alpha.queuedReplyBytes() >= REPLY_BYTES && alpha.serving() == 0); i++) {
                    raw.write(reads);
                    peak = Math.max(peak, directMemory());
                    Thread.sleep(10);
                }
                peak = Math.max(peak, directMemory());
                assertTrue(
                        alpha.queuedReplyBytes() >= REPLY_BYTES && alpha.serving() == 0,
                        "alpha is held back by its reply budget: " + alpha.queuedReplyBytes() + " bytes queued, "
                                + alpha.serving() + " in service, " + reads.remaining() + " bytes unsent");
                BudgetedAlphaGateway.betaReads(fx);
            }
            gateway.assertAlphaHoldsNothing();
            after = directMemory();
        }
        trail.close();
        System.out.printf(
                "direct memory: before %d KiB, peak %d KiB, after %d KiB; bound above before %d KiB%n",
                before >> 10, peak >> 10, after >> 10, bound >> 10);
        assertTrue(
                peak - before <= bound,
                "alpha's unread short reads held " + ((peak - before) >> 10) + " KiB of direct memory, bound "
                        + (bound >> 10) + " KiB");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** The process's direct memory: Netty's own count (buffers without a cleaner) and the JDK's. */
    private static long directMemory() {
        long netty = Math.max(0, PlatformDependent.usedDirectMemory());
        long jdk = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> "direct".equals(pool.getName()))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
        return netty + jdk;
    }
}
