package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Admission;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2: what a VM's frames hold of the gateway's direct memory stays within what {@code serve} promises for them
 * (Budgets: {@code reply-bytes} plus twice msize per request in service and per connection), plus
 * {@value #SLACK_MIB} MiB for the allocator's chunks. VM alpha has msize 1 MiB + 4 KiB, {@value #OUTSTANDING}
 * requests in service and 512 KiB of unread replies; beta is served while alpha holds what it can, and alpha's
 * budgets hold nothing once its connections are gone.
 */
class ShortReadReplyMemoryAttackTest {
    private static final int MSIZE = GatewayConfig.DEFAULT_MSIZE;
    private static final int FILE_BYTES = 4096;
    private static final int READS = 400;
    private static final long OUTSTANDING = 4;
    private static final long REPLY_BYTES = 512 * 1024;
    private static final long LOTS = 1 << 20;
    private static final long SLACK_MIB = 16;
    private static final int UNSENT = 100;
    private static final int PIECE = 16 * 1024;

    @TempDir
    Path tmp;

    /** What alpha does; returns the direct memory at its peak. */
    private interface Attack {
        long run(PolicyFixture fx, BudgetedAlphaGateway gateway) throws Exception;
    }

    /**
     * Alpha pipelines {@value #READS} Treads of count msize - 11 on a 4 KiB file and never reads a reply. Each short
     * read kept the whole msize-sized buffer it was read into while the budget was charged the 4 KiB it carried:
     * alpha held 1 MiB of direct memory per 4 KiB counted (130 MiB here).
     */
    @Test
    void shortReadsLeftUnreadHoldNoMoreThanTheReplyBudget() throws Exception {
        measured(2, (fx, gateway) -> {
            Files.write(fx.data.resolve("small"), new byte[FILE_BYTES]);
            Admission alpha = gateway.alpha.admission();
            long peak = 0;
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
                    peak = Math.max(peak, ProcessMemory.direct());
                    Thread.sleep(10);
                }
                peak = Math.max(peak, ProcessMemory.direct());
                assertTrue(
                        alpha.queuedReplyBytes() >= REPLY_BYTES && alpha.serving() == 0,
                        "alpha is held back by its reply budget: " + alpha.queuedReplyBytes() + " bytes queued, "
                                + alpha.serving() + " in service, " + reads.remaining() + " bytes unsent");
                BudgetedAlphaGateway.betaReads(fx);
            }
            return peak;
        });
    }

    /**
     * On each of its 8 connections alpha sends a Twrite frame of msize all but its last {@value #UNSENT} bytes and
     * stalls, holding the frame decoder on the rest (about 2 MiB each, within the bound: no defect found).
     */
    @Test
    void halfSentFramesOnEveryConnectionHoldNoMoreThanTheVmsFrames() throws Exception {
        int connections = 8;
        measured(connections, (fx, gateway) -> {
            List<SocketChannel> stalled = new ArrayList<>();
            try {
                for (int c = 0; c < connections; c++) {
                    SocketChannel raw = versionedAlpha(fx);
                    stalled.add(raw);
                    // Blocking: it returns once the gateway has taken all but a socket buffer's worth of it.
                    ByteBuffer partial = partialTwrite(c);
                    while (partial.hasRemaining()) {
                        raw.write(partial);
                    }
                }
                long peak = ProcessMemory.direct();
                BudgetedAlphaGateway.betaReads(fx);
                return peak;
            } finally {
                for (SocketChannel raw : stalled) {
                    raw.close();
                }
            }
        });
    }

    /**
     * Alpha sends its 8 connections' msize Twrite frames a {@value #PIECE}-byte piece at a time, each connection in
     * turn, so that every frame decoder's buffer grows through each of its sizes while the others grow too; then
     * completes each frame. The peak over the pieces stays within the bound (round 7 of resource bounds, no defect
     * found: a frame completed slowly holds what a stalled one holds), beta is served meanwhile, and every
     * connection answers its completed frame: none of them held back another.
     */
    @Test
    void slowlyCompletedFramesOnEveryConnectionHoldNoMoreThanTheVmsFrames() throws Exception {
        int connections = 8;
        measured(connections, (fx, gateway) -> {
            List<SocketChannel> slow = new ArrayList<>();
            List<ByteBuffer> frames = new ArrayList<>();
            try {
                for (int c = 0; c < connections; c++) {
                    slow.add(versionedAlpha(fx));
                    frames.add(partialTwrite(c));
                }
                long peak = 0;
                for (boolean sent = false; !sent; ) {
                    sent = true;
                    for (int c = 0; c < connections; c++) {
                        ByteBuffer frame = frames.get(c);
                        ByteBuffer piece = frame.slice(frame.position(), Math.min(PIECE, frame.remaining()));
                        while (piece.hasRemaining()) {
                            slow.get(c).write(piece);
                        }
                        frame.position(frame.position() + piece.position());
                        sent &= !frame.hasRemaining();
                    }
                    peak = Math.max(peak, ProcessMemory.direct());
                }
                BudgetedAlphaGateway.betaReads(fx);
                for (int c = 0; c < connections; c++) {
                    ByteBuffer rest = ByteBuffer.allocate(UNSENT);
                    while (rest.hasRemaining()) {
                        slow.get(c).write(rest);
                    }
                }
                for (int c = 0; c < connections; c++) {
                    assertEquals(10 + c, replyTag(slow.get(c)), "connection " + c + " answered its frame");
                }
                return peak;
            } finally {
                for (SocketChannel raw : slow) {
                    raw.close();
                }
            }
        });
    }

    /** A raw connection of alpha's, its Tversion (msize {@value #MSIZE}) answered. */
    private static SocketChannel versionedAlpha(PolicyFixture fx) throws java.io.IOException {
        SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(fx.alphaSocket));
        UnreadConnection.sendAndRead(raw, Frame.NOTAG, new TMessage.Tversion(MSIZE, P9Client.VERSION));
        return raw;
    }

    /** The tag of the next reply on {@code raw}, read whole. */
    private static int replyTag(SocketChannel raw) throws java.io.IOException {
        ByteBuffer size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(raw, size);
        ByteBuffer rest = ByteBuffer.allocate(size.getInt(0) - 4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(raw, rest);
        return Short.toUnsignedInt(rest.getShort(1));
    }

    private static void readFully(SocketChannel raw, ByteBuffer into) throws java.io.IOException {
        while (into.hasRemaining()) {
            if (raw.read(into) < 0) {
                throw new java.io.EOFException("the gateway closed the connection");
            }
        }
    }

    /** Runs {@code attack} against alpha held to {@code connections}; its peak must stay within the bound. */
    private void measured(long connections, Attack attack) throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open();
        Limits limits = new Limits(connections, OUTSTANDING, LOTS, LOTS, LOTS, LOTS, REPLY_BYTES, 1);
        long bound = REPLY_BYTES + (OUTSTANDING + connections) * 2L * MSIZE + (SLACK_MIB << 20);
        long before;
        long peak;
        long after;
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail, limits)) {
            BudgetedAlphaGateway.betaReads(fx);
            before = ProcessMemory.direct();
            peak = Math.max(before, attack.run(fx, gateway));
            gateway.assertAlphaHoldsNothing();
            after = ProcessMemory.direct();
        }
        trail.close();
        System.out.printf(
                "direct memory: before %d KiB, peak %d KiB, after %d KiB; bound above before %d KiB%n",
                before >> 10, peak >> 10, after >> 10, bound >> 10);
        assertTrue(
                peak - before <= bound,
                "alpha held " + ((peak - before) >> 10) + " KiB of direct memory, bound " + (bound >> 10) + " KiB");
        SignedLogs.Verified verified = logs.verify();
        assertEquals(0, verified.exit(), verified.output());
    }

    /** A Twrite frame of msize (fid 0, offset 0) without its last {@value #UNSENT} bytes. */
    private static ByteBuffer partialTwrite(int tag) {
        ByteBuffer frame = ByteBuffer.allocate(MSIZE - UNSENT).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(MSIZE).put((byte) MessageType.TWRITE.code()).putShort((short) (10 + tag));
        frame.putInt(0).putLong(0).putInt(MSIZE - 23);
        return frame.position(0);
    }
}
