package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.DirEntry;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.StatFs;
import io.p9gate.gateway.proto.TMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Encode then decode gives the same record, with edge values (unsigned maxima, non-ASCII names, 16 names). */
class RoundTripTest {
    private static final Qid QID = new Qid(0xff, -1, -1L);
    private static final String UNICODE = "grüße-日本-😀";

    static Stream<Message> messages() {
        List<String> sixteen = new ArrayList<>(Collections.nCopies(16, UNICODE));
        return Stream.of(
                new TMessage.Tversion(-1, "9P2000.L"),
                new TMessage.Tattach(-1, -1, "", UNICODE, -1),
                new TMessage.Twalk(0, 0, List.of()),
                new TMessage.Twalk(1, 2, sixteen),
                new TMessage.Tread(-1, Long.MAX_VALUE, -1),
                new TMessage.Twrite(1, -1L, Unpooled.buffer(0)),
                new TMessage.Tsetattr(1, new SetAttr(-1, -1, -1, -1, -1, -1, -1, -1, -1)),
                new TMessage.Tlock(1, 255, -1, -1, -1, -1, UNICODE),
                new TMessage.Tunlinkat(1, UNICODE, 0),
                new TMessage.Tunsupported(112),
                new RMessage.Rlerror(Errno.EHWPOISON),
                new RMessage.Rwalk(Collections.nCopies(16, QID)),
                new RMessage.Rwalk(List.of()),
                new RMessage.Rread(Unpooled.buffer(0)),
                new RMessage.Rreaddir(List.of()),
                new RMessage.Rreaddir(List.of(new DirEntry(QID, -1, 255, UNICODE))),
                new RMessage.Rgetattr(
                        new Attr(-1, QID, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
                new RMessage.Rstatfs(new StatFs(-1, -1, -1, -1, -1, -1, -1, -1, -1)),
                new RMessage.Rreadlink(UNICODE),
                new RMessage.Rlock(255));
    }

    @ParameterizedTest
    @MethodSource("messages")
    void decodeOfEncodeIsIdentity(Message message) throws Exception {
        ByteBuf wire = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(42, message), wire);
        ByteBuf payload = CodecBuffers.payloadOf(message);
        if (payload != null) {
            wire.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        }
        assertEquals(wire.readableBytes(), wire.getIntLE(0));
        assertEquals(42, wire.getUnsignedShortLE(5));
        Direction direction = message instanceof TMessage ? Direction.REQUESTS : Direction.REPLIES;
        Message decoded = MessageDecoder.decode(
                wire.getUnsignedByte(4),
                wire.slice(Frame.HEADER_SIZE, wire.readableBytes() - Frame.HEADER_SIZE),
                direction);
        assertEquals(message, decoded);
        CodecBuffers.releasePayload(decoded);
        wire.release();
    }

    @Test
    void encoderRefusesWhatTheWireCannotCarry() {
        ByteBuf out = Unpooled.buffer();
        assertThrows(
                IllegalArgumentException.class,
                () -> MessageEncoder.writeHeaderAndBody(
                        new Frame(1, new TMessage.Twalk(1, 2, Collections.nCopies(17, "a"))), out));
        assertThrows(
                IllegalArgumentException.class,
                () -> MessageEncoder.writeHeaderAndBody(new Frame(1, new RMessage.Rreadlink("x".repeat(70000))), out));
        out.release();
    }

    @Test
    void serverSideTurnsRepliesAndUnknownTypesIntoTunsupported() throws Exception {
        for (int type : new int[] {0, 6, 7, 101, 112, 125, 255}) {
            Message decoded = MessageDecoder.decode(type, Hex.buf("01020304"), Direction.REQUESTS);
            assertEquals(new TMessage.Tunsupported(type), decoded);
        }
    }

    @Test
    void clientSideRefusesRequestsAsReplies() {
        MalformedMessageException e = assertThrows(
                MalformedMessageException.class,
                () -> MessageDecoder.decode(100, Hex.buf("00200000 0000"), Direction.REPLIES));
        assertEquals(Errno.EPROTO, e.errno());
    }

    @Test
    void oldKernelsTfsyncWithoutDatasyncIsAFullSync() throws Exception {
        Message decoded = MessageDecoder.decode(50, Hex.buf("07000000"), Direction.REQUESTS);
        assertInstanceOf(TMessage.Tfsync.class, decoded);
        assertEquals(new TMessage.Tfsync(7, 0), decoded);
    }
}
