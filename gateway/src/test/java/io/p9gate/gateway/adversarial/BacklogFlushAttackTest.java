package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.budget.Limits;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Tflush of a request still waiting in the VM's backlog (its {@code outstanding} budget of 1 taken by a Tmkdir of
 * another connection, held in its record): the Tflush is answered Rflush at once, the flushed Tmkdir gets no reply,
 * is never done (not when the budget frees, not later) and leaves no record, as a request never started.
 */
class BacklogFlushAttackTest {
    private static final long LOTS = 1 << 20;
    private static final int NOFID = -1;

    @TempDir
    java.nio.file.Path tmp;

    @Test
    void aFlushedWaitingRequestIsAnsweredRflushAndNeverDone() throws Exception {
        Limits oneAtATime = new Limits(LOTS, 1, LOTS, LOTS, LOTS, LOTS, LOTS, 1);
        try (HostShareGateway gw = HostShareGateway.budgeted(tmp, oneAtATime, "", "data");
                P9Client holder = gw.attached("data", 0);
                SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(gw.socket))) {
            UnreadConnection.sendAndRead(raw, Frame.NOTAG, new TMessage.Tversion(65536, "9P2000.L"));
            UnreadConnection.sendAndRead(raw, 1, new TMessage.Tattach(0, NOFID, "root", "data", 0));

            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            gw.recording = entry -> {
                if (entry.request().operation() == Operation.MKDIR
                        && String.valueOf(entry).contains("held")) {
                    held.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            var holding = holder.send(new TMessage.Tmkdir(0, "held", 0755, 0));
            assertTrue(held.await(10, TimeUnit.SECONDS), "the VM's one request in service is held");

            // One write: the Tmkdir waits for its VM (read in the same batch), then its Tflush.
            write(
                    raw,
                    UnreadConnection.encoded(2, new TMessage.Tmkdir(0, "flushed", 0755, 0)),
                    UnreadConnection.encoded(3, new TMessage.Tflush(2)));
            Reply first = read(raw);
            assertEquals(new Reply(3, MessageType.RFLUSH.code()), first, "Rflush at once, nothing for tag 2");

            release.countDown();
            holder.await(holding);
            // The next request's reply is the next frame: no late reply to tag 2 before it.
            write(raw, UnreadConnection.encoded(4, new TMessage.Tgetattr(0, 0x7ff)));
            assertEquals(new Reply(4, MessageType.RGETATTR.code()), read(raw));
            assertTrue(Files.isDirectory(gw.share("data").resolve("held")));
            assertFalse(Files.exists(gw.share("data").resolve("flushed")), "the flushed Tmkdir was never done");
            assertFalse(
                    gw.records.stream().anyMatch(r -> String.valueOf(r).contains("flushed")),
                    "a request never started leaves no record: " + gw.records);
        }
    }

    private record Reply(int tag, int type) {}

    private static void write(SocketChannel raw, ByteBuffer... frames) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(
                java.util.Arrays.stream(frames).mapToInt(ByteBuffer::remaining).sum());
        for (ByteBuffer frame : frames) {
            all.put(frame);
        }
        all.flip();
        while (all.hasRemaining()) {
            raw.write(all);
        }
    }

    private static Reply read(SocketChannel raw) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN);
        fill(raw, head);
        fill(raw, ByteBuffer.allocate(head.getInt(0) - 7));
        return new Reply(head.getShort(5) & 0xffff, head.get(4) & 0xff);
    }

    private static void fill(SocketChannel raw, ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (raw.read(into) < 0) {
                throw new IOException("the gateway closed the connection");
            }
        }
    }
}
