package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.budget.VmBudget;
import io.p9gate.gateway.codec.FrameDecoder;
import io.p9gate.gateway.codec.FrameEncoder;
import io.p9gate.gateway.codec.PipelineErrorHandler;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.LoggedLines;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The lines a session logs for its peer's doing (a tag reused while outstanding, replies left unread, a refused
 * dialect) are throttled to one a minute. The throttle was one for the whole process: VM a's flood of reused tags
 * left VM b's line out (1 line for the two VMs' connections). It is now kept per VM, as the refused connections'.
 * So are the codec's (a frame size out of bounds, an oversized reply, an unexpected pipeline error): SessionPipeline
 * gives the decoder, the encoder and the last-resort error handler the session's key (before: 1 line, now 2).
 */
class SessionLogPerVmTest {
    @Test
    void aTagReusedByOneVmDoesNotHideAnotherVmsLine() throws Exception {
        List<String> lines = linesOfVmsAAndB(Session.class, "reused while outstanding", SessionLogPerVmTest::reuseATag);
        assertEquals(2, lines.size(), "one line for each VM, the flood's repeats left out: " + lines);
    }

    @Test
    void aFrameOutOfBoundsFromOneVmDoesNotHideAnotherVmsLine() throws Exception {
        List<String> lines = linesOfVmsAAndB(FrameDecoder.class, "frame size", vm -> {
            try (EmbeddedSession s = session(vm)) {
                s.feed(Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f})); // 2 GiB
                assertFalse(s.channel.isOpen(), "a frame size out of bounds closes the connection");
            }
        });
        assertEquals(2, lines.size(), "one line for each VM, the flood's repeats left out: " + lines);
    }

    @Test
    void anOversizedReplyOfOneVmDoesNotHideAnotherVmsLine() throws Exception {
        List<String> lines = linesOfVmsAAndB(FrameEncoder.class, "replacing oversized reply", vm -> {
            HeldLane lane = new HeldLane(VmBudget.unlimited(vm));
            try (EmbeddedSession s = new EmbeddedSession(65536, lane, false, vm)) {
                s.negotiate(4096);
                lane.runAll();
                s.replies();
                s.send(3, new TMessage.Treadlink(1)); // the fake answers a 5000-byte target
                lane.runAll();
                assertEquals(1, s.replies().size(), "answered (EIO)");
            }
        });
        assertEquals(2, lines.size(), "one line for each VM, the flood's repeats left out: " + lines);
    }

    @Test
    void anUnexpectedErrorOfOneVmDoesNotHideAnotherVmsLine() throws Exception {
        List<String> lines = linesOfVmsAAndB(PipelineErrorHandler.class, "undecodable", vm -> {
            try (EmbeddedSession s = session(vm)) {
                // What a TLS engine throws for bytes it cannot decode reaches the last handler so.
                s.channel.pipeline().fireExceptionCaught(new IllegalStateException("undecodable"));
                assertFalse(s.channel.isOpen(), "an unexpected error closes the connection");
            }
        });
        assertEquals(2, lines.size(), "one line for each VM, the flood's repeats left out: " + lines);
    }

    /** What happens to one connection of {@code vm}. */
    @FunctionalInterface
    private interface Connection {
        void of(String vm) throws Exception;
    }

    /**
     * Three connections of VM a, then one of VM b, each causing a line of {@code logger} containing {@code marker}:
     * the lines logged. VMs of their own: the throttle is the process's, and other tests of this JVM log such lines.
     */
    private static List<String> linesOfVmsAAndB(Class<?> logger, String marker, Connection connection)
            throws Exception {
        String run = UUID.randomUUID().toString();
        try (LoggedLines log = new LoggedLines(logger.getName())) {
            for (String vm : List.of("a-" + run, "a-" + run, "a-" + run, "b-" + run)) {
                connection.of(vm);
            }
            return log.startingWith("").stream().filter(l -> l.contains(marker)).toList();
        }
    }

    private static EmbeddedSession session(String vm) {
        return new EmbeddedSession(65536, new HeldLane(VmBudget.unlimited(vm)), false, vm);
    }

    /** A session of {@code vm} whose second request takes the tag of its first, still held by the lane. */
    private static void reuseATag(String vm) throws Exception {
        HeldLane lane = new HeldLane(VmBudget.unlimited(vm));
        try (EmbeddedSession s = new EmbeddedSession(65536, lane, false, vm)) {
            s.negotiate(8192);
            lane.runAll();
            s.send(1, new TMessage.Tgetattr(0, 0x7ff)); // held by the lane: outstanding
            s.send(1, new TMessage.Tgetattr(0, 0x7ff));
            assertFalse(s.channel.isOpen(), "a tag reused while outstanding closes the connection");
            lane.runAll();
        }
    }
}
