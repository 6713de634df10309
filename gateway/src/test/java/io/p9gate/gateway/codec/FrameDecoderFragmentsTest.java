package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Resource bounds round 12: the decoder compacts its buffer (discardReadBytes) before a read that would not fit. The
 * frames it decodes must not change by how the stream is cut into reads, and a Twrite payload, a slice of that buffer
 * handed on without a copy, must keep its bytes while later reads arrive and the buffer is compacted.
 */
class FrameDecoderFragmentsTest {
    private static final int MAX = 2 << 20;

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void framesReadByteByByteAreTheFramesSent(Dialect dialect) {
        List<Frame> sent = smallFrames(dialect, 40);
        Decoding decoding = new Decoding(dialect);
        byte[] wire = wire(sent);
        for (byte b : wire) {
            decoding.read(new byte[] {b});
        }
        decoding.assertReceived(sent);
    }

    @Test
    void aStreamCutAtEveryOffsetDecodesTheSame() {
        List<Frame> sent = List.of(
                new Frame(1, new TMessage.Twalk(0, 1, List.of("a", "bb", "ccc"))),
                new Frame(2, new TMessage.Twrite(1, 77, payload(3, 300))),
                new Frame(3, new TMessage.Tclunk(1)));
        byte[] wire = wire(sent);
        for (int first = 0; first <= wire.length; first++) {
            for (int second = first; second <= wire.length; second += 7) {
                Decoding decoding = new Decoding(Dialect.L);
                decoding.read(slice(wire, 0, first));
                decoding.read(slice(wire, first, second));
                decoding.read(slice(wire, second, wire.length));
                decoding.assertReceived(sent);
            }
        }
    }

    @Test
    void aMebibyteTwriteInSmallReadsBehindHeldFramesDecodesWhole() {
        List<Frame> sent = new ArrayList<>(smallFrames(Dialect.L, 30));
        sent.add(new Frame(100, new TMessage.Twrite(5, 1L << 33, payload(7, 1 << 20))));
        sent.addAll(smallFrames(Dialect.L, 5));
        byte[] wire = wire(sent);
        Decoding decoding = new Decoding(Dialect.L);
        decoding.hold.hold();
        int cut = wire(sent.subList(0, 30)).length;
        decoding.read(slice(wire, 0, cut)); // small frames held undecoded
        for (int at = cut; at < wire.length; at += 4096) {
            decoding.read(slice(wire, at, Math.min(at + 4096, wire.length)));
            if (at > wire.length / 2) {
                decoding.hold.release(); // the held frames are decoded, then the rest as it arrives
            }
        }
        decoding.assertReceived(sent);
    }

    @Test
    void aTwritePayloadKeptPastLaterReadsKeepsItsBytes() {
        Random random = new Random(41);
        Decoding decoding = new Decoding(Dialect.L);
        List<ByteBuf> kept = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        ByteBuf pending = Unpooled.buffer();
        for (int n = 0; n < 400; n++) {
            byte[] bytes = new byte[1 + random.nextInt(3000)];
            random.nextBytes(bytes);
            expected.add(bytes);
            MessageEncoder.writeHeaderAndBody(
                    new Frame(n, new TMessage.Twrite(n, n, Unpooled.wrappedBuffer(bytes))), pending);
            pending.writeBytes(bytes);
            // Reads of 4 KiB or less, each ending within a frame: every read compacts before it is merged.
            while (pending.readableBytes() >= 4096 || (n == 399 && pending.isReadable())) {
                int length = Math.min(pending.readableBytes(), 1 + random.nextInt(4096));
                decoding.read(ByteBufUtil.getBytes(pending.readSlice(length)));
                if (n % 50 == 0) {
                    decoding.hold.hold();
                } else {
                    decoding.hold.release();
                }
                for (Object frame; (frame = decoding.channel.readInbound()) != null; ) {
                    kept.add(((TMessage.Twrite) ((Frame) frame).body()).data()); // kept, not released, yet
                }
            }
        }
        decoding.hold.release();
        for (Object frame; (frame = decoding.channel.readInbound()) != null; ) {
            kept.add(((TMessage.Twrite) ((Frame) frame).body()).data());
        }
        assertEquals(expected.size(), kept.size(), "Twrites decoded");
        for (int i = 0; i < kept.size(); i++) {
            assertArrayEquals(expected.get(i), ByteBufUtil.getBytes(kept.get(i)), "payload of Twrite " + i);
            kept.get(i).release();
        }
        pending.release();
        decoding.channel.finishAndReleaseAll();
    }

    /** A decoder in an embedded channel, fed reads as a socket would be. */
    private static final class Decoding {
        final FrameHold hold = new FrameHold();
        final EmbeddedChannel channel;

        Decoding(Dialect dialect) {
            WireDialect wire = new WireDialect();
            wire.set(dialect);
            channel = new EmbeddedChannel(
                    new FrameDecoder(new FrameLimit(MAX), Direction.REQUESTS, wire, PeerCausedLog.ANY, hold));
        }

        void read(byte[] bytes) {
            if (bytes.length > 0) {
                ByteBuf read = channel.alloc().buffer(bytes.length);
                channel.writeInbound(read.writeBytes(bytes));
            }
        }

        void assertReceived(List<Frame> sent) {
            List<Frame> received = new ArrayList<>();
            for (Object frame; (frame = channel.readInbound()) != null; ) {
                received.add((Frame) frame);
            }
            assertTrue(channel.isOpen(), "connection still open");
            assertEquals(sent, received);
            received.forEach(f -> {
                if (f.body() instanceof TMessage.Twrite w) {
                    w.data().release();
                }
            });
            channel.finishAndReleaseAll();
        }
    }

    private static List<Frame> smallFrames(Dialect dialect, int count) {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int tag = 1000 + i;
            frames.add(
                    switch (i % 4) {
                        case 0 -> new Frame(tag, new TMessage.Twalk(i, i + 1, List.of("dir" + i, "f")));
                        case 1 -> new Frame(tag, new TMessage.Tread(i, i * 4096L, 4096));
                        case 2 -> new Frame(tag, new TMessage.Twrite(i, i, payload(i, 17 * i)));
                        default ->
                            dialect == Dialect.L
                                    ? new Frame(tag, new TMessage.Tgetattr(i, 0x7ff))
                                    : new Frame(tag, new TMessage.Tclunk(i));
                    });
        }
        return frames;
    }

    private static ByteBuf payload(int seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return Unpooled.wrappedBuffer(bytes);
    }

    private static byte[] wire(List<Frame> frames) {
        ByteBuf out = Unpooled.buffer();
        for (Frame frame : frames) {
            MessageEncoder.writeHeaderAndBody(frame, out);
            ByteBuf data = CodecBuffers.payloadOf(frame.body());
            if (data != null) {
                out.writeBytes(data, data.readerIndex(), data.readableBytes());
            }
        }
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        return bytes;
    }

    private static byte[] slice(byte[] wire, int from, int to) {
        return java.util.Arrays.copyOfRange(wire, from, to);
    }
}
