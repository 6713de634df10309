package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every 9P2000.L message type (R-PROTO-1) against bytes written out by hand from the layouts in
 * the Linux kernel's include/net/9p/9p.h and the format strings of net/9p/client.c
 * (size[4] type[1] tag[2] then the fields, all little-endian; strings are u16 length + bytes).
 * Spaces separate fields. Tag 1 everywhere except Tversion/Rversion (NOTAG).
 */
class GoldenVectorsTest {
    private static final Qid DIR_QID = new Qid(Qid.QTDIR, 1, 2); // 80 01000000 0200000000000000
    private static final String DIR_QID_HEX = "80 01000000 0200000000000000";

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    static Stream<Arguments> vectors() {
        return Stream.of(
                v(
                        Frame.NOTAG,
                        new TMessage.Tversion(8192, "9P2000.L"),
                        "15000000 64 ffff 00200000 0800 3950323030302e4c"),
                v(
                        Frame.NOTAG,
                        new RMessage.Rversion(8192, "9P2000.L"),
                        "15000000 65 ffff 00200000 0800 3950323030302e4c"),
                v(1, new TMessage.Tauth(5, "u", "a", 1000), "15000000 66 0100 05000000 0100 75 0100 61 e8030000"),
                v(1, new RMessage.Rauth(DIR_QID), "14000000 67 0100 " + DIR_QID_HEX),
                v(
                        1,
                        new TMessage.Tattach(1, TMessage.NOFID, "u", "a", 1000),
                        "19000000 68 0100 01000000 ffffffff 0100 75 0100 61 e8030000"),
                v(1, new RMessage.Rattach(DIR_QID), "14000000 69 0100 " + DIR_QID_HEX),
                v(1, new RMessage.Rlerror(Errno.ENOENT), "0b000000 07 0100 02000000"),
                v(1, new TMessage.Tflush(7), "09000000 6c 0100 0700"),
                v(1, new RMessage.Rflush(), "07000000 6d 0100"),
                v(
                        1,
                        new TMessage.Twalk(1, 2, List.of("a", "bc")),
                        "18000000 6e 0100 01000000 02000000 0200 0100 61 0200 6263"),
                v(1, new RMessage.Rwalk(List.of(DIR_QID)), "16000000 6f 0100 0100 " + DIR_QID_HEX),
                v(1, new TMessage.Tread(1, 16, 4096), "17000000 74 0100 01000000 1000000000000000 00100000"),
                v(1, new RMessage.Rread(bytes("xyz")), "0e000000 75 0100 03000000 78797a"),
                v(
                        1,
                        new TMessage.Twrite(1, 2, bytes("xyz")),
                        "1a000000 76 0100 01000000 0200000000000000 03000000 78797a"),
                v(1, new RMessage.Rwrite(3), "0b000000 77 0100 03000000"),
                v(1, new TMessage.Tclunk(1), "0b000000 78 0100 01000000"),
                v(1, new RMessage.Rclunk(), "07000000 79 0100"),
                v(1, new TMessage.Tremove(1), "0b000000 7a 0100 01000000"),
                v(1, new RMessage.Rremove(), "07000000 7b 0100"),
                v(1, new TMessage.Tstatfs(1), "0b000000 08 0100 01000000"),
                v(
                        1,
                        new RMessage.Rstatfs(new StatFs(0x01021997, 4096, 10, 5, 4, 100, 50, 7, 255)),
                        "43000000 09 0100 97190201 00100000 0a00000000000000 0500000000000000 0400000000000000"
                                + " 6400000000000000 3200000000000000 0700000000000000 ff000000"),
                v(1, new TMessage.Tlopen(1, 2), "0f000000 0c 0100 01000000 02000000"),
                v(1, new RMessage.Rlopen(DIR_QID, 8192), "18000000 0d 0100 " + DIR_QID_HEX + " 00200000"),
                v(
                        1,
                        new TMessage.Tlcreate(1, "a", 0x41, 0644, 100),
                        "1a000000 0e 0100 01000000 0100 61 41000000 a4010000 64000000"),
                v(1, new RMessage.Rlcreate(DIR_QID, 8192), "18000000 0f 0100 " + DIR_QID_HEX + " 00200000"),
                v(1, new TMessage.Tsymlink(1, "a", "bc", 100), "16000000 10 0100 01000000 0100 61 0200 6263 64000000"),
                v(
                        1,
                        new RMessage.Rsymlink(new Qid(Qid.QTSYMLINK, 1, 2)),
                        "14000000 11 0100 02 01000000 0200000000000000"),
                v(
                        1,
                        new TMessage.Tmknod(1, "a", 0020644, 1, 3, 100),
                        "1e000000 12 0100 01000000 0100 61 a4210000 01000000 03000000 64000000"),
                v(1, new RMessage.Rmknod(new Qid(Qid.QTFILE, 1, 2)), "14000000 13 0100 00 01000000 0200000000000000"),
                v(1, new TMessage.Trename(1, 2, "a"), "12000000 14 0100 01000000 02000000 0100 61"),
                v(1, new RMessage.Rrename(), "07000000 15 0100"),
                v(1, new TMessage.Treadlink(1), "0b000000 16 0100 01000000"),
                v(1, new RMessage.Rreadlink("bc"), "0b000000 17 0100 0200 6263"),
                v(1, new TMessage.Tgetattr(1, Attr.GETATTR_ALL), "13000000 18 0100 01000000 ff3f000000000000"),
                v(
                        1,
                        new RMessage.Rgetattr(new Attr(
                                Attr.GETATTR_BASIC,
                                DIR_QID,
                                040755,
                                1000,
                                100,
                                2,
                                0,
                                4096,
                                4096,
                                8,
                                1,
                                2,
                                3,
                                4,
                                5,
                                6,
                                0,
                                0,
                                0,
                                0)),
                        "a0000000 19 0100 ff07000000000000 " + DIR_QID_HEX + " ed410000 e8030000 64000000"
                                + " 0200000000000000 0000000000000000 0010000000000000 0010000000000000 0800000000000000"
                                + " 0100000000000000 0200000000000000 0300000000000000 0400000000000000"
                                + " 0500000000000000 0600000000000000 0000000000000000 0000000000000000"
                                + " 0000000000000000 0000000000000000"),
                v(
                        1,
                        new TMessage.Tsetattr(
                                1,
                                new SetAttr(SetAttr.SETATTR_MODE | SetAttr.SETATTR_SIZE, 0644, 0, 0, 10, 0, 0, 0, 0)),
                        "43000000 1a 0100 01000000 09000000 a4010000 00000000 00000000 0a00000000000000"
                                + " 0000000000000000 0000000000000000 0000000000000000 0000000000000000"),
                v(1, new RMessage.Rsetattr(), "07000000 1b 0100"),
                v(1, new TMessage.Txattrwalk(1, 2, "a"), "12000000 1e 0100 01000000 02000000 0100 61"),
                v(1, new RMessage.Rxattrwalk(5), "0f000000 1f 0100 0500000000000000"),
                v(
                        1,
                        new TMessage.Txattrcreate(1, "a", 5, 1),
                        "1a000000 20 0100 01000000 0100 61 0500000000000000 01000000"),
                v(1, new RMessage.Rxattrcreate(), "07000000 21 0100"),
                v(1, new TMessage.Treaddir(1, 0, 4096), "17000000 28 0100 01000000 0000000000000000 00100000"),
                v(
                        1,
                        new RMessage.Rreaddir(List.of(
                                new DirEntry(DIR_QID, 1, 4, "a"), new DirEntry(new Qid(Qid.QTFILE, 0, 3), 2, 8, "bc"))),
                        "3e000000 29 0100 33000000 " + DIR_QID_HEX + " 0100000000000000 04 0100 61"
                                + " 00 00000000 0300000000000000 0200000000000000 08 0200 6263"),
                v(1, new TMessage.Tfsync(1, 1), "0f000000 32 0100 01000000 01000000"),
                v(1, new RMessage.Rfsync(), "07000000 33 0100"),
                v(
                        1,
                        new TMessage.Tlock(1, 1, 1, 0, 0, 42, "a"),
                        "27000000 34 0100 01000000 01 01000000 0000000000000000 0000000000000000 2a000000 0100 61"),
                v(1, new RMessage.Rlock(0), "08000000 35 0100 00"),
                v(
                        1,
                        new TMessage.Tgetlock(1, 0, 10, 20, 42, "a"),
                        "23000000 36 0100 01000000 00 0a00000000000000 1400000000000000 2a000000 0100 61"),
                v(
                        1,
                        new RMessage.Rgetlock(2, 10, 20, 42, "a"),
                        "1f000000 37 0100 02 0a00000000000000 1400000000000000 2a000000 0100 61"),
                v(1, new TMessage.Tlink(1, 2, "a"), "12000000 46 0100 01000000 02000000 0100 61"),
                v(1, new RMessage.Rlink(), "07000000 47 0100"),
                v(1, new TMessage.Tmkdir(1, "a", 0755, 100), "16000000 48 0100 01000000 0100 61 ed010000 64000000"),
                v(1, new RMessage.Rmkdir(DIR_QID), "14000000 49 0100 " + DIR_QID_HEX),
                v(1, new TMessage.Trenameat(1, "a", 2, "bc"), "16000000 4a 0100 01000000 0100 61 02000000 0200 6263"),
                v(1, new RMessage.Rrenameat(), "07000000 4b 0100"),
                v(1, new TMessage.Tunlinkat(1, "a", 0x200), "12000000 4c 0100 01000000 0100 61 00020000"),
                v(1, new RMessage.Runlinkat(), "07000000 4d 0100"));
    }

    private static Arguments v(int tag, Message body, String hex) {
        return Arguments.of(body.getClass().getSimpleName(), new Frame(tag, body), hex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void encodesToTheDocumentedBytes(String name, Frame frame, String hex) {
        ByteBuf out = Unpooled.buffer();
        try {
            int size = MessageEncoder.writeHeaderAndBody(frame, out);
            ByteBuf payload = CodecBuffers.payloadOf(frame.body());
            if (payload != null) {
                out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            }
            assertEquals(Hex.compact(hex), Hex.of(out));
            assertEquals(out.readableBytes(), size, "size field counts the whole frame");
        } finally {
            out.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void decodesFromTheDocumentedBytes(String name, Frame frame, String hex) throws Exception {
        ByteBuf wire = Hex.buf(hex);
        try {
            assertEquals(wire.readableBytes(), wire.getIntLE(0), "the vector's own size field is consistent");
            int type = wire.getUnsignedByte(4);
            int tag = wire.getUnsignedShortLE(5);
            ByteBuf body = wire.slice(Frame.HEADER_SIZE, wire.readableBytes() - Frame.HEADER_SIZE);
            Direction direction = frame.body() instanceof TMessage ? Direction.REQUESTS : Direction.REPLIES;
            Message decoded = MessageDecoder.decode(type, body, direction);
            try {
                assertEquals(frame, new Frame(tag, decoded));
            } finally {
                CodecBuffers.releasePayload(decoded);
            }
        } finally {
            wire.release();
        }
    }
}
