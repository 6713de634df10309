package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-ROB-2, resource bounds round 9 (liveness, no defect found): an honest guest the kernel client's way, {@value
 * #IN_FLIGHT} Treads of msize 512 KiB in flight, is served to the end under a reply budget of {@value #REPLY_BYTES}
 * bytes, a tenth of one reply: every reply it writes parks its connection (the VM over its budget), and each one the
 * guest reads wakes it.
 */
class HonestReadsUnderSmallReplyBudgetTest {
    private static final int MSIZE = 512 * 1024;
    /** What the kernel client asks for: msize less its P9_IOHDRSZ. */
    private static final int COUNT = MSIZE - 24;

    private static final int IN_FLIGHT = 32;
    private static final int ROUNDS = 4;
    private static final long REPLY_BYTES = 64 * 1024;
    private static final long LOTS = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void pipelinedFullSizeReadsAreServedToTheEnd() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        byte[] content = new byte[IN_FLIGHT * COUNT];
        new Random(9).nextBytes(content);
        Files.write(fx.data.resolve("big"), content);
        SignedAuditTrail trail = SignedLogs.in(tmp).open();
        Limits limits = new Limits(LOTS, 64, LOTS, LOTS, LOTS, LOTS, REPLY_BYTES, 1);
        try (BudgetedAlphaGateway gateway = BudgetedAlphaGateway.start(fx, trail, limits);
                SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(fx.alphaSocket))) {
            UnreadConnection.sendAndRead(raw, Frame.NOTAG, new TMessage.Tversion(MSIZE, P9Client.VERSION));
            UnreadConnection.sendAndRead(raw, 1, new TMessage.Tattach(0, -1, "root", "data", 0));
            UnreadConnection.sendAndRead(raw, 2, new TMessage.Twalk(0, 1, List.of("big")));
            UnreadConnection.sendAndRead(raw, 3, new TMessage.Tlopen(1, 0));
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (int round = 0; round < ROUNDS; round++) {
                    ByteBuffer reads = ByteBuffer.allocate(IN_FLIGHT * 23);
                    for (int i = 0; i < IN_FLIGHT; i++) {
                        reads.put(UnreadConnection.encoded(10 + i, new TMessage.Tread(1, (long) i * COUNT, COUNT)));
                    }
                    reads.flip();
                    while (reads.hasRemaining()) {
                        raw.write(reads);
                    }
                    byte[] got = new byte[content.length];
                    for (int i = 0; i < IN_FLIGHT; i++) {
                        readRread(raw, got);
                    }
                    assertEquals(ByteBuffer.wrap(content), ByteBuffer.wrap(got), "round " + round);
                }
            });
            // The last write's completion may be noticed just after the guest read its bytes.
            for (int i = 0; i < 500 && gateway.alpha.admission().queuedReplyBytes() != 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(0, gateway.alpha.admission().queuedReplyBytes(), "every reply read is uncharged");
        }
        trail.close();
    }

    /** One Rread of tag 10 + i, its data put at offset i x COUNT. */
    private static void readRread(SocketChannel raw, byte[] into) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(11).order(ByteOrder.LITTLE_ENDIAN);
        readFully(raw, head);
        assertEquals(MessageType.RREAD.code(), head.get(4) & 0xff, "an Rread");
        int i = (head.getShort(5) & 0xffff) - 10;
        int count = head.getInt(7);
        assertEquals(COUNT, count, "a full read");
        readFully(raw, ByteBuffer.wrap(into, i * COUNT, count));
    }

    private static void readFully(SocketChannel raw, ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (raw.read(into) < 0) {
                throw new IOException("the gateway closed the connection");
            }
        }
    }
}
