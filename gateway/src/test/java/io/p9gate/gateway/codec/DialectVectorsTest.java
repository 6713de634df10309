package io.p9gate.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.Message;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.policy.dialect.Dialect;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * R-PROTO-7: the messages whose layout differs between 9P2000.L, 9P2000.u and 9P2000, against bytes written out by
 * hand from intro(5), attach(5) and error(5) of the Plan 9 manual and the Linux client's format strings
 * (net/9p/client.c: "ds?u" for Tattach's n_uname in .u/.L, "s?d" for Rerror's errno in .u). Spaces separate fields.
 */
class DialectVectorsTest {
    /** "Protocol error": 14 bytes. */
    private static final String EPROTO_TEXT = "0e00 50726f746f636f6c206572726f72";

    /**
     * stat(5) up to muid of a file "f" (qid version 1, path 2, mode 0644, atime 1, mtime 2, length 7) owned by user
     * and group "1000", muid "": type[2] dev[4] qid[13] mode[4] atime[4] mtime[4] length[8] name[s] uid[s] gid[s]
     * muid[s].
     */
    private static final String STAT_BODY = "0000 00000000 00 01000000 0200000000000000 a4010000 01000000 02000000"
            + " 0700000000000000 0100 66 0400 31303030 0400 31303030 0000";

    private static final Stat.Common COMMON =
            new Stat.Common(0, 0, new Qid(Qid.QTFILE, 1, 2), 0644, 1, 2, 7, "f", "1000", "1000", "");

    static Stream<Arguments> replies() {
        return Stream.of(
                Arguments.of(
                        Dialect.U,
                        new RMessage.Rversion(8192, "9P2000.u"),
                        "15000000 65 ffff 00200000 0800 3950323030302e75",
                        Frame.NOTAG),
                Arguments.of(
                        Dialect.LEGACY,
                        new RMessage.Rversion(8192, "9P2000"),
                        "13000000 65 ffff 00200000 0600 395032303030",
                        Frame.NOTAG),
                Arguments.of(
                        Dialect.U,
                        new RMessage.RerrorU("Protocol error", Errno.EPROTO),
                        "1b000000 6b 0100 " + EPROTO_TEXT + " 47000000",
                        1),
                Arguments.of(
                        Dialect.LEGACY, new RMessage.Rerror("Protocol error"), "17000000 6b 0100 " + EPROTO_TEXT, 1),
                // Rstat: nstat[2] and then the stat, which begins with its own size[2] (stat(5), the Linux
                // client's "wS"): 56 bytes of stat after its size in 9P2000.
                Arguments.of(
                        Dialect.LEGACY,
                        new RMessage.Rstat(new Stat(COMMON, Optional.empty())),
                        "43000000 7d 0100 3a00 3800 " + STAT_BODY,
                        1),
                // 9P2000.u appends extension[s] n_uid[4] n_gid[4] n_muid[4]: 14 bytes more; no muid is ~0.
                Arguments.of(
                        Dialect.U,
                        new RMessage.Rstat(
                                new Stat(COMMON, Optional.of(new Stat.Unix("", 1000, 1000, TMessage.NONUNAME)))),
                        "51000000 7d 0100 4800 4600 " + STAT_BODY + " 0000 e8030000 e8030000 ffffffff",
                        1),
                // Rwstat has no body.
                Arguments.of(Dialect.U, new RMessage.Rwstat(), "07000000 7f 0100", 1),
                Arguments.of(Dialect.LEGACY, new RMessage.Rwstat(), "07000000 7f 0100", 1),
                // open(5): Ropen qid[13] iounit[4], the same in both dialects.
                Arguments.of(
                        Dialect.LEGACY,
                        new RMessage.Ropen(new Qid(Qid.QTDIR, 3, 4), 8168),
                        "18000000 71 0100 80 03000000 0400000000000000 e81f0000",
                        1),
                Arguments.of(
                        Dialect.U,
                        new RMessage.Ropen(new Qid(Qid.QTFILE, 0, 9), 0),
                        "18000000 71 0100 00 00000000 0900000000000000 00000000",
                        1),
                // create(5): Rcreate qid[13] iounit[4], as Ropen.
                Arguments.of(
                        Dialect.U,
                        new RMessage.Rcreate(new Qid(Qid.QTFILE, 0, 9), 8168),
                        "18000000 73 0100 00 00000000 0900000000000000 e81f0000",
                        1));
    }

    /**
     * read(5) of a directory: Rread count[4] and whole stat entries back to back (here one 9P2000 entry of 58 bytes
     * with its size); a client reads it as an Rread.
     */
    @Test
    void aDirectoryReadIsAnRreadOfPackedStatEntries() throws Exception {
        ByteBuf golden = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(
                new Frame(1, new RMessage.Rdirread(List.of(new Stat(COMMON, Optional.empty())))), golden);
        assertEquals(Hex.compact("45000000 75 0100 3a000000 3800 " + STAT_BODY), Hex.of(golden));

        var one = new Stat(COMMON, Optional.of(new Stat.Unix("", 1000, 1000, TMessage.NONUNAME)));
        var two = new Stat(
                new Stat.Common(0, 0, new Qid(Qid.QTDIR, 0, 3), Stat.DMDIR | 0755, 1, 2, 0, "d", "0", "0", ""),
                Optional.of(new Stat.Unix("", 0, 0, TMessage.NONUNAME)));
        ByteBuf out = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(1, new RMessage.Rdirread(List.of(one, two))), out);
        var read = (RMessage.Rread) decode(out, Direction.REPLIES, Dialect.U);
        try {
            assertEquals(one.wireSize() + two.wireSize(), read.data().readableBytes());
            WireReader r = new WireReader(read.data(), read.data().writerIndex());
            assertEquals(one, StatLayout.read(r, Dialect.U));
            assertEquals(two, StatLayout.read(r, Dialect.U));
            r.expectEnd("directory read");
        } finally {
            read.data().release();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("replies")
    void repliesEncodeAndDecodeAsDocumented(Dialect dialect, RMessage reply, String hex, int tag) throws Exception {
        ByteBuf out = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(tag, reply), out);
        assertEquals(Hex.compact(hex), Hex.of(out));
        assertEquals(reply, decode(out, Direction.REPLIES, dialect));
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of(
                        Dialect.LEGACY,
                        new TMessage.Tattach(1, TMessage.NOFID, "u", "a", TMessage.NONUNAME),
                        "15000000 68 0100 01000000 ffffffff 0100 75 0100 61"),
                Arguments.of(
                        Dialect.LEGACY,
                        new TMessage.Tauth(5, "u", "a", TMessage.NONUNAME),
                        "11000000 66 0100 05000000 0100 75 0100 61"),
                Arguments.of(
                        Dialect.U,
                        new TMessage.Tattach(1, TMessage.NOFID, "u", "a", 1000),
                        "19000000 68 0100 01000000 ffffffff 0100 75 0100 61 e8030000"),
                Arguments.of(
                        Dialect.U,
                        new TMessage.Tauth(5, "u", "a", 1000),
                        "15000000 66 0100 05000000 0100 75 0100 61 e8030000"),
                // Types of 9P2000.L alone are not requests of the other dialects: answered, not decoded.
                Arguments.of(Dialect.U, new TMessage.Tunsupported(12), "0f000000 0c 0100 01000000 00000000"),
                Arguments.of(
                        Dialect.LEGACY, new TMessage.Tunsupported(24), "13000000 18 0100 01000000 ffff000000000000"),
                Arguments.of(Dialect.LEGACY, new TMessage.Tstat(1), "0b000000 7c 0100 01000000"),
                Arguments.of(Dialect.U, new TMessage.Tstat(1), "0b000000 7c 0100 01000000"),
                // and Tstat none of 9P2000.L (stat(5) has no place there: Tgetattr).
                Arguments.of(Dialect.L, new TMessage.Tunsupported(124), "0b000000 7c 0100 01000000"),
                // open(5): Topen fid[4] mode[1]; ORDWR|OTRUNC, and the Linux .u client's OAPPEND (0x80).
                Arguments.of(Dialect.LEGACY, new TMessage.Topen(1, 0x12), "0c000000 70 0100 01000000 12"),
                Arguments.of(Dialect.U, new TMessage.Topen(2, 0x81), "0c000000 70 0100 02000000 81"),
                Arguments.of(Dialect.L, new TMessage.Tunsupported(112), "0c000000 70 0100 01000000 00"),
                // create(5): Tcreate fid[4] name[s] perm[4] mode[1]; .u appends extension[s] (here a symlink's
                // target: DMSYMLINK|0777, OREAD, as the Linux client's v9fs_vfs_mkspecial sends it).
                Arguments.of(
                        Dialect.LEGACY,
                        new TMessage.Tcreate(1, "d", Stat.DMDIR | 0755, 0, Optional.empty()),
                        "13000000 72 0100 01000000 0100 64 ed010080 00"),
                Arguments.of(
                        Dialect.U,
                        new TMessage.Tcreate(1, "l", Stat.DMSYMLINK | 0777, 0, Optional.of("t")),
                        "16000000 72 0100 01000000 0100 6c ff010002 00 0100 74"),
                // stat(5) wstat: Twstat fid[4] nstat[2] stat[n], the stat laid out as in Rstat. Here a chmod as the
                // Linux client sends it: every other field "don't touch" (~0 numbers, empty strings).
                Arguments.of(
                        Dialect.LEGACY,
                        Wstats.chmod(1, 0755),
                        "3e000000 7e 0100 01000000 3100 2f00 " + DONT_TOUCH_HEAD + " ed010000 " + DONT_TOUCH_TAIL),
                // .u appends extension[s] n_uid[4] n_gid[4] n_muid[4]: a chown to 1000 by number.
                Arguments.of(
                        Dialect.U,
                        Wstats.unix(1, Wstats.common(-1, "", -1, -1, -1L, ""), 1000, -1),
                        "4c000000 7e 0100 01000000 3f00 3d00 " + DONT_TOUCH_HEAD + " ffffffff " + DONT_TOUCH_TAIL
                                + " 0000 e8030000 ffffffff ffffffff"),
                Arguments.of(Dialect.L, new TMessage.Tunsupported(126), "0b000000 7e 0100 01000000"));
    }

    /** type[2] dev[4] qid[13] of a wstat, all "don't touch". */
    private static final String DONT_TOUCH_HEAD = "ffff ffffffff ff ffffffff ffffffffffffffff";

    /** atime[4] mtime[4] length[8] name[s] uid[s] gid[s] muid[s] of a wstat, all "don't touch". */
    private static final String DONT_TOUCH_TAIL = "ffffffff ffffffff ffffffffffffffff 0000 0000 0000 0000";

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("requests")
    void requestsDecodeAsTheirDialectLaysThemOut(Dialect dialect, TMessage request, String hex) throws Exception {
        assertEquals(request, decode(Hex.buf(hex), Direction.REQUESTS, dialect));
    }

    @Test
    void theOtherDialectsLayoutIsMalformed() {
        // A 9P2000 Tattach lacks the n_uname .u expects; a .u one has 4 bytes too many for 9P2000.
        assertEquals(
                Errno.EPROTO,
                assertThrows(
                                MalformedMessageException.class,
                                () -> decode(
                                        Hex.buf("15000000 68 0100 01000000 ffffffff 0100 75 0100 61"),
                                        Direction.REQUESTS,
                                        Dialect.U))
                        .errno());
        assertEquals(
                Errno.EPROTO,
                assertThrows(
                                MalformedMessageException.class,
                                () -> decode(
                                        Hex.buf("19000000 68 0100 01000000 ffffffff 0100 75 0100 61 e8030000"),
                                        Direction.REQUESTS,
                                        Dialect.LEGACY))
                        .errno());
        // Rerror is no 9P2000.L reply, Rlerror none of 9P2000.u.
        assertThrows(
                MalformedMessageException.class,
                () -> decode(Hex.buf("17000000 6b 0100 " + EPROTO_TEXT), Direction.REPLIES, Dialect.L));
        assertThrows(
                MalformedMessageException.class,
                () -> decode(Hex.buf("0b000000 07 0100 02000000"), Direction.REPLIES, Dialect.U));
        // A 9P2000 stat read as .u ends before its extension; a stat whose size disagrees with nstat is malformed.
        assertThrows(
                MalformedMessageException.class,
                () -> decode(Hex.buf("43000000 7d 0100 3a00 3800 " + STAT_BODY), Direction.REPLIES, Dialect.U));
        assertThrows(
                MalformedMessageException.class,
                () -> decode(Hex.buf("43000000 7d 0100 3a00 3700 " + STAT_BODY), Direction.REPLIES, Dialect.LEGACY));
    }

    private static Message decode(ByteBuf frame, Direction direction, Dialect dialect)
            throws MalformedMessageException {
        int size = frame.getIntLE(0);
        assertEquals(frame.readableBytes(), size);
        return MessageDecoder.decode(
                frame.getUnsignedByte(4), frame.slice(Frame.HEADER_SIZE, size - Frame.HEADER_SIZE), direction, dialect);
    }
}
