package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.GatewayConfig;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM's connections that go away badly (R-ROB-1, R-ROB-2, R-ROB-3): in the middle of a 1 MiB Twrite's frame while
 * holding a lock, with hundreds of requests outstanding whose replies it never reads, after half-closing its
 * socket, right after Tflushes of requests still running, and with an xattr value half written. After each, the
 * other VM is served; after all, the VM's budgets hold nothing (connections, fids, descriptors, locks, xattr bytes,
 * requests, reply bytes), its lock is free for a new session, every session it opened is recorded closed and the
 * signed log verifies. And what the process holds: /proc/self/fd is the same after 1,000 connections dropped in the
 * middle of requests, each holding every kind of descriptor a fid can.
 */
class AbruptCloseSweepAttackTest {
    private static final int O_RDWR = 2;
    private static final int ROUNDS = 1000;
    /** The audit log may have rotated a segment or opened a checkpoint meanwhile. */
    private static final int SLACK = 8;

    @TempDir
    Path tmp;

    @Test
    void connectionsGoneBadlyLeaveNothingHeldAndEverySessionRecordedClosed() throws Exception {
        BudgetedAlphaGateway.sweep(tmp, (fx, gateway) -> {
            cutMidWriteHoldingALock(fx);
            BudgetedAlphaGateway.betaReads(fx);
            leaveRepliesUnreadThenClose(fx); // beta reads while the replies pile up
            BudgetedAlphaGateway.betaReads(fx);
            halfCloseWithRequestsInFlight(fx);
            BudgetedAlphaGateway.betaReads(fx);
            flushEverythingThenClose(fx);
            BudgetedAlphaGateway.betaReads(fx);
            closeWithAnXattrValueHalfWritten(fx);
            BudgetedAlphaGateway.betaReads(fx);

            gateway.assertAlphaHoldsNothing();
            try (P9Client again = open(fx)) {
                again.walk(0, 1, "notes.txt");
                again.lopen(1, O_RDWR);
                assertEquals(LockConstants.LOCK_SUCCESS, lock(again, 1), "the lock of the cut session is free");
            }
            gateway.awaitNoConnections();
        });
    }

    /**
     * The budgets count what the gateway means to hold; this counts what the process holds. Each round holds an
     * O_PATH walk, an open directory with a listing under way, an open file and an xattr fid, sends a Treaddir, a
     * Tread, a Txattrwalk and a Twalk and closes without reading their replies.
     */
    @Test
    void aThousandConnectionsDroppedMidRequestLeaveNoDescriptorBehind() throws Exception {
        BudgetedAlphaGateway.sweep(tmp, (fx, gateway) -> {
            dropMidRequest(fx); // warm-up: loops, lanes and watches made once
            gateway.awaitNoConnections();
            long before = descriptors();
            for (int i = 0; i < ROUNDS; i++) {
                dropMidRequest(fx);
            }
            gateway.assertAlphaHoldsNothing();
            long after = descriptors();
            String seen = "descriptors of the process: " + before + " before, " + after + " after " + ROUNDS
                    + " connections dropped mid-request";
            System.out.println(seen);
            assertTrue(after <= before + SLACK, seen);
            BudgetedAlphaGateway.betaReads(fx);
        });
    }

    private static void dropMidRequest(PolicyFixture fx) throws Exception {
        try (P9Client c = open(fx)) {
            c.walk(0, 1, "base");
            c.walk(0, 2);
            c.lopen(2, 0);
            c.readdir(2, 0, 64);
            c.walk(0, 3, "notes.txt");
            c.lopen(3, 0);
            c.rpc(new TMessage.Txattrwalk(3, 4, ""));
            c.send(new TMessage.Treaddir(2, 0, 1 << 20));
            c.send(new TMessage.Tread(3, 0, 1 << 20));
            c.send(new TMessage.Txattrwalk(1, 5, ""));
            c.send(new TMessage.Twalk(1, 6, List.of("map.db")));
        }
    }

    private static long descriptors() throws java.io.IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static P9Client open(PolicyFixture fx) throws Exception {
        P9Client c = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), GatewayConfig.DEFAULT_MSIZE);
        c.attach(0, "alpha", "data", 0);
        return c;
    }

    private static int lock(P9Client c, int fid) throws Exception {
        RMessage reply = c.rpc(new TMessage.Tlock(fid, LockConstants.LOCK_TYPE_WRLCK, 0, 0, 0, 1234, "alpha-host"));
        return ((RMessage.Rlock) reply).status();
    }

    /** A write lock taken, then a Twrite frame announcing 1 MiB of which 1,000 bytes come, then the socket closed. */
    private static void cutMidWriteHoldingALock(PolicyFixture fx) throws Exception {
        P9Client c = open(fx);
        c.walk(0, 1, "notes.txt");
        c.lopen(1, O_RDWR);
        assertEquals(LockConstants.LOCK_SUCCESS, lock(c, 1));
        int count = 1 << 20;
        ByteBuf partial = Unpooled.buffer();
        partial.writeIntLE(4 + 1 + 2 + 4 + 8 + 4 + count);
        partial.writeByte(MessageType.TWRITE.code());
        partial.writeShortLE(7);
        partial.writeIntLE(1);
        partial.writeLongLE(0);
        partial.writeIntLE(count);
        partial.writeBytes(new byte[1000]);
        c.sendRaw(7, partial);
        Thread.sleep(50);
        c.close();
    }

    /**
     * On a raw socket never read: a session opened, then up to 400 reads of 1 MiB (more than the socket, the
     * outbound limit and the VM's outstanding budget hold), the other VM served meanwhile, then the socket closed.
     */
    private static void leaveRepliesUnreadThenClose(PolicyFixture fx) throws Exception {
        Files.write(fx.data.resolve("big"), new byte[1 << 20]);
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(fx.alphaSocket))) {
            send(raw, 0xffff, new TMessage.Tversion(GatewayConfig.DEFAULT_MSIZE, "9P2000.L"));
            send(raw, 1, new TMessage.Tattach(0, -1, "alpha", "data", 0));
            send(raw, 2, new TMessage.Twalk(0, 1, List.of("big")));
            send(raw, 3, new TMessage.Tlopen(1, 0));
            raw.configureBlocking(false);
            long deadline = System.nanoTime() + 1_000_000_000L; // the gateway stops reading: no wait for more
            for (int i = 0; i < 400 && System.nanoTime() < deadline; ) {
                ByteBuffer frame = encode(10 + i, new TMessage.Tread(1, 0, 1 << 20));
                if (raw.write(frame) > 0) {
                    while (frame.hasRemaining() && System.nanoTime() < deadline) {
                        raw.write(frame);
                    }
                    i++;
                }
            }
            BudgetedAlphaGateway.betaReads(fx);
        }
    }

    private static void send(SocketChannel raw, int tag, TMessage request) throws java.io.IOException {
        ByteBuffer frame = encode(tag, request);
        while (frame.hasRemaining()) {
            raw.write(frame);
        }
    }

    private static ByteBuffer encode(int tag, TMessage request) {
        ByteBuf wire = Unpooled.buffer();
        io.p9gate.gateway.codec.MessageEncoder.writeHeaderAndBody(
                new io.p9gate.gateway.proto.Frame(tag, request), wire);
        ByteBuffer out = ByteBuffer.wrap(io.netty.buffer.ByteBufUtil.getBytes(wire));
        wire.release();
        return out;
    }

    /** Requests sent, then the socket's write side shut: the gateway answers or closes, and lets go. */
    private static void halfCloseWithRequestsInFlight(PolicyFixture fx) throws Exception {
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(fx.alphaSocket))) {
            ByteBuffer out = ByteBuffer.allocate(256).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            String version = "9P2000.L";
            out.putInt(4 + 1 + 2 + 4 + 2 + version.length())
                    .put((byte) MessageType.TVERSION.code())
                    .putShort((short) 0xffff)
                    .putInt(8192)
                    .putShort((short) version.length())
                    .put(version.getBytes(StandardCharsets.US_ASCII));
            out.flip();
            while (out.hasRemaining()) {
                raw.write(out);
            }
            raw.shutdownOutput();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (raw.read(in) >= 0) {
                in.clear();
            }
        }
    }

    /** Reads outstanding, each flushed, a tag reused right after its Tflush, then the socket closed. */
    private static void flushEverythingThenClose(PolicyFixture fx) throws Exception {
        try (P9Client c = open(fx)) {
            c.walk(0, 1, "notes.txt");
            c.lopen(1, 0);
            for (int i = 0; i < 30; i++) {
                var read = c.send(new TMessage.Tread(1, 0, 4096));
                c.send(new TMessage.Tflush(read.tag()));
            }
            ByteBuf reused = Unpooled.buffer();
            reused.writeIntLE(4 + 1 + 2 + 4);
            reused.writeByte(MessageType.TCLUNK.code());
            reused.writeShortLE(0);
            reused.writeIntLE(1);
            c.sendRaw(0, reused);
        }
    }

    /** A Txattrcreate announcing 60,000 bytes, 1,000 of them written, then the socket closed. */
    private static void closeWithAnXattrValueHalfWritten(PolicyFixture fx) throws Exception {
        try (P9Client c = open(fx)) {
            c.walk(0, 1, "notes.txt");
            c.rpc(new TMessage.Txattrcreate(1, "user.half", 60_000, 0));
            c.write(1, 0, new byte[1000]);
        }
    }
}
