package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * R-ROB-1: arbitrary bytes from a guest yield replies a client can decode, or a closed
 * connection; never an exception escaping the pipeline, never a leaked buffer. Fixed seeds,
 * bounded iterations, so a failure reproduces.
 */
class SessionFuzzTest {
    private static final int ITERATIONS = 600;

    private static final List<TMessage> CORPUS = List.of(
            new TMessage.Tattach(0, TMessage.NOFID, "user", "share", 1000),
            new TMessage.Twalk(0, 1, List.of("a", "b", "c")),
            new TMessage.Tlopen(1, 2),
            new TMessage.Tread(1, 0, 100),
            new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5})),
            new TMessage.Tgetattr(1, Attr.GETATTR_ALL),
            new TMessage.Tsetattr(1, new SetAttr(1, 0644, 0, 0, 0, 0, 0, 0, 0)),
            new TMessage.Treaddir(0, 0, 4096),
            new TMessage.Tlcreate(0, "file", 0, 0644, 0),
            new TMessage.Tlock(1, 1, 0, 0, 10, 42, "host"),
            new TMessage.Trenameat(0, "a", 0, "b"),
            new TMessage.Tflush(3),
            new TMessage.Tclunk(1));

    @Test
    void randomBytesAfterNegotiation() throws Exception {
        try (LeakWatch leaks = new LeakWatch()) {
            for (int seed = 0; seed < ITERATIONS; seed++) {
                Random random = new Random(seed);
                byte[] junk = new byte[random.nextInt(120)];
                random.nextBytes(junk);
                ByteBuf bytes = Unpooled.buffer();
                if (random.nextBoolean()) {
                    // A plausible size field so that the body, not the framing, is what is random.
                    bytes.writeIntLE(junk.length + 4);
                }
                bytes.writeBytes(junk);
                runOne(random, bytes);
            }
            assertEquals(List.of(), leaks.collect());
        }
    }

    @Test
    void mutatedValidRequests() throws Exception {
        try (LeakWatch leaks = new LeakWatch()) {
            for (int seed = 0; seed < ITERATIONS; seed++) {
                Random random = new Random(1_000_000 + seed);
                ByteBuf bytes = Unpooled.buffer();
                int frames = 1 + random.nextInt(4);
                for (int i = 0; i < frames; i++) {
                    TMessage request = CORPUS.get(random.nextInt(CORPUS.size()));
                    ByteBuf frame = EmbeddedSession.encode(new Frame(random.nextInt(8), request));
                    mutate(random, frame);
                    bytes.writeBytes(frame);
                    frame.release();
                }
                runOne(random, bytes);
            }
            assertEquals(List.of(), leaks.collect());
        }
    }

    private static void mutate(Random random, ByteBuf frame) {
        switch (random.nextInt(5)) {
            case 0 -> frame.setByte(random.nextInt(frame.writerIndex()), random.nextInt(256));
            case 1 -> frame.writerIndex(Math.max(1, random.nextInt(frame.writerIndex()))); // truncated
            case 2 -> frame.writeBytes(new byte[1 + random.nextInt(8)]); // trailing bytes
            case 3 -> frame.setIntLE(0, frame.getIntLE(0) + random.nextInt(9) - 4); // size off by a few
            default -> frame.setByte(4 + random.nextInt(3), random.nextInt(256)); // type or tag
        }
    }

    /** Negotiates, feeds the bytes in random chunks, then checks every reply and every buffer. */
    private static void runOne(Random random, ByteBuf bytes) throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(8192)) {
            s.negotiate(8192);
            while (bytes.isReadable() && s.channel.isOpen()) {
                int chunk = Math.min(bytes.readableBytes(), 1 + random.nextInt(40));
                s.feed(Unpooled.copiedBuffer(bytes.readSlice(chunk)));
            }
            bytes.release();
            List<Frame> replies = new ArrayList<>(s.replies()); // decodes: every reply is well formed
            for (Frame reply : replies) {
                RMessage body = (RMessage) reply.body();
                if (body instanceof RMessage.Rread read) {
                    read.data().release();
                }
            }
            assertTrue(s.escaped.isEmpty(), () -> "exception escaped: " + s.escaped);
            s.disconnect();
            assertTrue(s.allInputReleased(), "every input buffer released");
            assertEquals(s.handlers.opened.size(), s.handlers.closes.get(), "every handler closed once");
        }
    }
}
