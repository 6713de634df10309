package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.codec.Hex;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.policy.dialect.Dialect;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The session over an embedded channel: framing, negotiation, malformed input (R-PROTO-1/2, R-ROB-1). */
class SessionProtocolTest {
    private static final int MAX = 65536;

    private static RMessage.Rlerror error(Errno errno) {
        return new RMessage.Rlerror(errno);
    }

    @Test
    void negotiatesTheSmallerMsizeAndOpensAHandler() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(1 << 20);
            assertEquals(List.of(new Frame(Frame.NOTAG, new RMessage.Rversion(MAX, "9P2000.L"))), s.replies());
            assertEquals(MAX, s.handlers.opened.peek().context().msize());
            assertEquals("test", s.handlers.opened.peek().context().listener());
            s.negotiate(8192);
            assertEquals(List.of(new Frame(Frame.NOTAG, new RMessage.Rversion(8192, "9P2000.L"))), s.replies());
        }
    }

    @Test
    void unknownVersionIsAnsweredUnknownAndServesNothing() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2001"));
            assertEquals(List.of(new Frame(Frame.NOTAG, new RMessage.Rversion(8192, "unknown"))), s.replies());
            s.send(1, new TMessage.Tclunk(0));
            assertEquals(List.of(new Frame(1, error(Errno.EPROTO))), s.replies());
            assertTrue(s.handlers.opened.isEmpty());
        }
    }

    @Test
    void theSessionIsOpenedInTheDialectAgreed() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000.u"));
            assertEquals(List.of(new Frame(Frame.NOTAG, new RMessage.Rversion(8192, "9P2000.u"))), s.replies());
            assertEquals(Dialect.U, s.handlers.opened.peek().context().dialect());
        }
    }

    @Test
    void aPlain9P2000SessionReadsItsAttachAndAnswersErrorsWithText() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000"));
            assertEquals(List.of(new Frame(Frame.NOTAG, new RMessage.Rversion(8192, "9P2000"))), s.replies());
            s.replyDialect = Dialect.LEGACY;
            s.feed(Hex.buf("15000000 68 0200 01000000 ffffffff 0100 75 0100 61")); // Tattach without n_uname
            assertEquals(List.of(new Frame(2, new RMessage.Rattach(FakeHandler.ROOT))), s.replies());
            s.send(3, new TMessage.Tlopen(1, 0)); // 9P2000.L only
            assertEquals(List.of(new Frame(3, new RMessage.Rerror(Errno.EOPNOTSUPP.description()))), s.replies());
        }
    }

    /**
     * Attack: a guest sends Tversion("9P2000") and, in the same write, a 9P2000.L Tattach naming uid 0 and a Tlopen.
     * Those frames were read in the dialect before the switch (9P2000.L) and then served by the new 9P2000 session:
     * a VM whose policy lists only 9p2000 reached 9P2000.L messages, and attached as the uid it named, where a 9P2000
     * attach names none (guest nobody). Frames after a Tversion must be read in the dialect its Rversion agrees: the
     * .L Tattach is then a malformed 9P2000 Tattach (EPROTO, trailing n_uname) and Tlopen is not 9P2000 (EOPNOTSUPP).
     */
    @Test
    void framesSentRightAfterTversionAreReadInTheDialectItAgrees() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            ByteBuf batch = Unpooled.buffer();
            batch.writeBytes(EmbeddedSession.encode(new Frame(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000"))));
            batch.writeBytes(
                    EmbeddedSession.encode(new Frame(1, new TMessage.Tattach(1, TMessage.NOFID, "u", "a", 0))));
            batch.writeBytes(EmbeddedSession.encode(new Frame(2, new TMessage.Tlopen(1, 0))));
            s.feed(batch);
            s.replyDialect = Dialect.LEGACY;
            assertEquals(
                    List.of(
                            new Frame(Frame.NOTAG, new RMessage.Rversion(8192, "9P2000")),
                            new Frame(1, new RMessage.Rerror(Errno.EPROTO.description())),
                            new Frame(2, new RMessage.Rerror(Errno.EOPNOTSUPP.description()))),
                    s.replies());
            assertTrue(s.channel.isActive());
            assertTrue(s.allInputReleased());
        }
    }

    @Test
    void aDotUSessionAnswersErrorsWithTextAndErrno() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000.u"));
            s.replies();
            s.replyDialect = Dialect.U;
            s.send(2, new TMessage.Tattach(1, TMessage.NOFID, "u", "a", 1000));
            assertEquals(List.of(new Frame(2, new RMessage.Rattach(FakeHandler.ROOT))), s.replies());
            s.send(3, new TMessage.Tgetattr(1, 0)); // 9P2000.L only
            assertEquals(
                    List.of(new Frame(3, new RMessage.RerrorU(Errno.EOPNOTSUPP.description(), Errno.EOPNOTSUPP))),
                    s.replies());
        }
    }

    @Test
    void aDotUTstatFedOneByteAtATimeIsAnsweredWithTheHandlersStat() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000.u"));
            s.replies();
            s.replyDialect = Dialect.U;
            ByteBuf tstat = Hex.buf("0b000000 7c 0200 01000000");
            feedOneByteAtATime(s, tstat);
            assertEquals(List.of(new Frame(2, new RMessage.Rstat(FakeHandler.STAT))), s.replies());
        }
    }

    /** Feeds {@code frame} a byte at a time: nothing may be answered before its last byte. */
    private static void feedOneByteAtATime(EmbeddedSession s, ByteBuf frame) throws Exception {
        for (int i = 0; i < frame.readableBytes(); i++) {
            assertEquals(List.of(), s.replies(), "nothing before the frame's last byte");
            s.feed(Unpooled.wrappedBuffer(new byte[] {frame.getByte(i)}));
        }
    }

    @Test
    void aDotUTwstatFedOneByteAtATimeIsDecodedWithItsUnixFields() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000.u"));
            s.replies();
            s.replyDialect = Dialect.U;
            // fid 1; a rename to "n" and a chown to n_uid 1000, everything else "don't touch".
            ByteBuf twstat = Hex.buf("4d000000 7e 0200 01000000 4000 3e00 ffff ffffffff ff ffffffff ffffffffffffffff"
                    + " ffffffff ffffffff ffffffff ffffffffffffffff 0100 6e 0000 0000 0000"
                    + " 0000 e8030000 ffffffff ffffffff");
            feedOneByteAtATime(s, twstat);
            assertEquals(List.of(new Frame(2, new RMessage.Rwstat())), s.replies());
            TMessage.Twstat decoded = s.handlers.wstats.remove();
            assertEquals(1, decoded.fid());
            assertEquals("n", decoded.stat().common().name());
            assertEquals(-1, decoded.stat().common().mode());
            assertEquals(
                    Optional.of(new Stat.Unix("", 1000, -1, -1)), decoded.stat().unix());
        }
    }

    @Test
    void aPlain9P2000TopenFedOneByteAtATimeIsAnsweredWithRopen() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000"));
            s.replies();
            s.replyDialect = Dialect.LEGACY;
            ByteBuf topen = Hex.buf("0c000000 70 0200 01000000 00"); // fid 1, OREAD
            feedOneByteAtATime(s, topen);
            assertEquals(List.of(new Frame(2, new RMessage.Ropen(FakeHandler.ROOT, 0))), s.replies());
        }
    }

    @Test
    void a9P2000LSessionAnswersTopenAsUnsupported() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            s.replies();
            s.feed(Hex.buf("0c000000 70 0200 01000000 00"));
            assertEquals(List.of(new Frame(2, new RMessage.Rlerror(Errno.EOPNOTSUPP))), s.replies());
        }
    }

    @Test
    void a9P2000LSessionAnswersTstatAsUnsupported() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            s.replies();
            s.feed(Hex.buf("0b000000 7c 0200 01000000"));
            assertEquals(List.of(new Frame(2, new RMessage.Rlerror(Errno.EOPNOTSUPP))), s.replies());
        }
    }

    @Test
    void aDialectTheFactoryRefusesIsAnsweredUnknownAndServesNothing() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.handlers.refused = Dialect.LEGACY;
            s.send(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000"));
            assertEquals(List.of(new Frame(Frame.NOTAG, new RMessage.Rversion(8192, "unknown"))), s.replies());
            s.send(1, new TMessage.Tclunk(0));
            assertEquals(List.of(new Frame(1, error(Errno.EPROTO))), s.replies());
            assertTrue(s.handlers.opened.isEmpty());
            assertTrue(s.channel.isActive());
            s.negotiate(8192); // another dialect still opens
            assertEquals(List.of(new Frame(Frame.NOTAG, new RMessage.Rversion(8192, "9P2000.L"))), s.replies());
        }
    }

    @Test
    void tooSmallMsizeIsRefused() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(1024);
            assertEquals(List.of(new Frame(Frame.NOTAG, error(Errno.EINVAL))), s.replies());
            assertTrue(s.handlers.opened.isEmpty());
        }
    }

    @Test
    void requestsBeforeVersionGetEproto() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.send(3, new TMessage.Tattach(0, TMessage.NOFID, "u", "a", 0));
            assertEquals(List.of(new Frame(3, error(Errno.EPROTO))), s.replies());
            assertTrue(s.channel.isActive());
        }
    }

    @Test
    void secondVersionClosesTheOldHandlerAndOpensANewOne() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            s.negotiate(8192);
            s.replies();
            assertEquals(2, s.handlers.opened.size());
            assertEquals(1, s.handlers.closes.get());
            long first = s.handlers.opened.stream().toList().get(0).context().sessionId();
            long second = s.handlers.opened.stream().toList().get(1).context().sessionId();
            assertTrue(first != second, "each negotiated session has its own id");
        }
    }

    @Test
    void handlerIsClosedExactlyOnceOnDisconnect() throws Exception {
        EmbeddedSession s = new EmbeddedSession(MAX);
        s.negotiate(8192);
        s.send(1, new TMessage.Tattach(0, TMessage.NOFID, "u", "a", 0));
        s.replies();
        s.channel.close();
        s.channel.runPendingTasks();
        assertEquals(1, s.handlers.closes.get());
        s.close();
        assertEquals(1, s.handlers.closes.get());
    }

    @Test
    void streamFedOneByteAtATime() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            ByteBuf all = Unpooled.buffer();
            all.writeBytes(EmbeddedSession.encode(new Frame(Frame.NOTAG, new TMessage.Tversion(8192, "9P2000.L"))));
            all.writeBytes(EmbeddedSession.encode(new Frame(1, new TMessage.Tattach(0, -1, "u", "a", 0))));
            all.writeBytes(EmbeddedSession.encode(new Frame(2, new TMessage.Twalk(0, 1, List.of("x", "y")))));
            while (all.isReadable()) {
                s.feed(all.readRetainedSlice(1));
            }
            all.release();
            List<Frame> replies = s.replies();
            assertEquals(3, replies.size());
            assertInstanceOf(RMessage.Rversion.class, replies.get(0).body());
            assertEquals(new Frame(1, new RMessage.Rattach(FakeHandler.ROOT)), replies.get(1));
            assertEquals(2, replies.get(2).tag());
            assertInstanceOf(RMessage.Rwalk.class, replies.get(2).body());
        }
    }

    @Test
    void severalFramesInOneBuffer() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            s.replies();
            ByteBuf batch = Unpooled.buffer();
            for (int tag = 10; tag < 20; tag++) {
                batch.writeBytes(EmbeddedSession.encode(new Frame(tag, new TMessage.Tclunk(tag))));
            }
            s.feed(batch);
            List<Frame> replies = s.replies();
            assertEquals(10, replies.size());
            for (int i = 0; i < 10; i++) {
                assertEquals(new Frame(10 + i, new RMessage.Rclunk()), replies.get(i));
            }
        }
    }

    @Test
    void sizeBelowHeaderClosesTheConnection() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.feed(Hex.buf("06000000 64 ffff"));
            assertFalse(s.channel.isActive());
            assertTrue(s.replies().isEmpty());
            assertTrue(s.escaped.isEmpty());
        }
    }

    @Test
    void frameOverMsizeClosesTheConnectionBeforeItArrives() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            s.replies();
            // Only the size field of a 8193-byte frame: refused at once, no buffering of the rest.
            s.feed(Hex.buf("01200000"));
            assertFalse(s.channel.isActive());
            assertEquals(1, s.handlers.closes.get());
        }
    }

    @Test
    void beforeVersionTheLimitIsTheServerMaximum() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.feed(Hex.buf("01000100"));
            assertFalse(s.channel.isActive());
        }
    }

    @Test
    void malformedBodiesGetRlerrorWithTheirTagAndTheConnectionStays() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            s.replies();
            s.feed(Hex.buf("0a000000 78 0500 010000")); // Tclunk short fid
            s.feed(Hex.buf("0c000000 78 0600 01000000 ff")); // trailing byte
            s.feed(Hex.buf("17000000 76 0700 01000000 0000000000000000 10000000")); // Twrite count past end
            s.feed(Hex.buf("15000000 6e 0800 01000000 02000000 0100 0200 c328")); // invalid UTF-8 name
            s.feed(Hex.buf("11000000 6e 0900 01000000 02000000 1100")); // 17 names
            s.feed(Hex.buf("0b000000 70 0a00 01000000")); // legacy Topen
            s.feed(Hex.buf("07000000 c8 0b00")); // unknown type 200
            s.feed(Hex.buf("07000000 65 0c00")); // a reply type sent to us
            assertEquals(
                    List.of(
                            new Frame(5, error(Errno.EPROTO)), new Frame(6, error(Errno.EPROTO)),
                            new Frame(7, error(Errno.EPROTO)), new Frame(8, error(Errno.EINVAL)),
                            new Frame(9, error(Errno.EINVAL)), new Frame(10, error(Errno.EOPNOTSUPP)),
                            new Frame(11, error(Errno.EOPNOTSUPP)), new Frame(12, error(Errno.EOPNOTSUPP))),
                    s.replies());
            assertTrue(s.channel.isActive());
            s.send(13, new TMessage.Tclunk(1));
            assertEquals(List.of(new Frame(13, new RMessage.Rclunk())), s.replies());
            assertTrue(s.escaped.isEmpty());
            assertTrue(s.allInputReleased());
        }
    }

    @Test
    void handlerErrorsBecomeRlerror() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            s.send(1, new TMessage.Twalk(0, 1, List.of("missing")));
            s.send(2, new TMessage.Twalk(0, 1, List.of("bug")));
            s.send(3, new TMessage.Tremove(1));
            List<Frame> replies = s.replies();
            assertEquals(
                    List.of(
                            new Frame(1, error(Errno.ENOENT)),
                            new Frame(2, error(Errno.EIO)),
                            new Frame(3, error(Errno.EACCES))),
                    replies.subList(1, 4));
            assertTrue(s.channel.isActive());
        }
    }

    @Test
    void twriteBuffersAreReleasedAfterTheReply() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
            for (int tag = 1; tag <= 5; tag++) {
                s.send(tag, new TMessage.Twrite(1, tag * 10L, Unpooled.wrappedBuffer(data)));
            }
            List<Frame> replies = s.replies();
            assertEquals(6, replies.size());
            assertEquals(new Frame(5, new RMessage.Rwrite(data.length)), replies.get(5));
            assertEquals(5, s.handlers.writeBuffers.size());
            // Each payload is a slice sharing its frame's buffer: that buffer is back to the test's own reference.
            assertTrue(s.allInputReleased(), "Twrite payloads released once answered");
        }
    }

    @Test
    void readCountsAreClampedToWhatFitsInMsize() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(4096);
            byte[] big = new byte[4096];
            s.send(1, new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer(big, 0, 4000)));
            s.send(2, new TMessage.Twrite(1, 4000, Unpooled.wrappedBuffer(big, 0, 96)));
            s.replies();
            s.send(3, new TMessage.Tread(1, 0, 0xffffffff)); // 4 GiB asked, one frame's worth served
            List<Frame> replies = s.replies();
            RMessage.Rread read =
                    assertInstanceOf(RMessage.Rread.class, replies.getFirst().body());
            assertEquals(4096 - 11, read.data().readableBytes());
            read.data().release();
        }
    }

    @Test
    void oversizedReplyBecomesEio() throws Exception {
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(4096);
            s.replies();
            s.send(3, new TMessage.Treadlink(1)); // the fake answers a 5000-byte target
            assertEquals(List.of(new Frame(3, error(Errno.EIO))), s.replies());
            assertTrue(s.channel.isActive());
        }
    }

    /**
     * The EIO that replaces an oversized reply is spelled in the session's dialect, as every other error: a guest
     * that made a symlink with a long target and stats it over 9P2000.u (or 9P2000) with a small msize got an Rlerror,
     * a 9P2000.L message its client cannot read, in place of its Rstat.
     */
    @Test
    void anOversizedReplyInALegacyDialectBecomesThatDialectsEio() throws Exception {
        for (Dialect dialect : List.of(Dialect.U, Dialect.LEGACY)) {
            try (EmbeddedSession s = new EmbeddedSession(MAX)) {
                s.send(Frame.NOTAG, new TMessage.Tversion(4096, dialect == Dialect.U ? "9P2000.u" : "9P2000"));
                s.replies();
                s.replyDialect = dialect;
                s.send(3, new TMessage.Tstat(FakeHandler.LONG_STAT_FID));
                RMessage eio = dialect == Dialect.U
                        ? new RMessage.RerrorU(Errno.EIO.description(), Errno.EIO)
                        : new RMessage.Rerror(Errno.EIO.description());
                assertEquals(List.of(new Frame(3, eio)), s.replies(), dialect.toString());
                assertTrue(s.channel.isActive());
            }
        }
    }

    /**
     * An oversized reply is the guest's to cause (a symlink target it made, read over the smallest msize), so it must
     * not buy a log line each: 200 Treadlink of such a link wrote 200 ERROR lines. The first of a connection is
     * logged (unless another connection's of its VM was, less than a minute ago: PeerCausedLog), the others are only answered.
     */
    @Test
    void oversizedRepliesLogOnceAConnection() throws Exception {
        Logger log = Logger.getLogger("io.p9gate.gateway.codec");
        List<LogRecord> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(4096);
            s.replies();
            for (int tag = 1; tag <= 200; tag++) {
                s.send(tag, new TMessage.Treadlink(1));
                assertEquals(List.of(new Frame(tag, error(Errno.EIO))), s.replies());
            }
        } finally {
            log.removeHandler(capture);
        }
        assertTrue(lines.size() <= 1, lines.size() + " log lines for 200 oversized replies on one connection");
    }

    @Test
    void reusingAnOutstandingTagClosesTheConnection() throws Exception {
        // With inline workers nothing stays outstanding; a flush waiting on a tag that never
        // completes is simulated by the threaded tests. Here: Tflush of itself is harmless.
        try (EmbeddedSession s = new EmbeddedSession(MAX)) {
            s.negotiate(8192);
            s.send(4, new TMessage.Tflush(4));
            assertEquals(new Frame(4, new RMessage.Rflush()), s.replies().get(1));
            assertTrue(s.channel.isActive());
        }
    }
}
