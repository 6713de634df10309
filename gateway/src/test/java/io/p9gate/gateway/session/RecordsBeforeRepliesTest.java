package io.p9gate.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.p9gate.audit.AuditLog;
import io.p9gate.audit.FailingLineWrites;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.fs.AllowAll;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: the replies of one read batch leave in one flush, after the audit records of their requests reached
 * the segment in one write; no reply is on the wire before its record is in the file.
 */
class RecordsBeforeRepliesTest {
    private static final int MSIZE = 8192;
    private static final int BATCH = 8;
    private static final long RETRY = 5;
    private static final long GIVE_UP = 1_000;

    @TempDir
    Path tmp;

    /** Next to the socket: what the log's segment holds each time bytes are about to leave. */
    private static final class Wire extends ChannelOutboundHandlerAdapter {
        private final SignedLogs logs;
        final List<Long> getattrRecordsAtFlush = new ArrayList<>();

        Wire(SignedLogs logs) {
            this.logs = logs;
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            try {
                getattrRecordsAtFlush.add(logs.records().stream()
                        .filter(r -> "getattr".equals(r.op()))
                        .count());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            ctx.flush();
        }
    }

    private record Served(
            EmbeddedSession session,
            Wire wire,
            SignedAuditTrail trail,
            ShareServerFactory shares,
            boolean[] failWrites,
            long[] clock)
            implements AutoCloseable {
        @Override
        public void close() throws io.p9gate.audit.AuditWriteException {
            session.close();
            shares.close();
            trail.close();
        }
    }

    private Served served() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "data");
        SignedLogs logs = SignedLogs.in(tmp);
        SignedAuditTrail trail = logs.open().holdingLooks();
        ShareServerFactory shares = new ShareServerFactory(Map.of("share", share), new AllowAll(), trail);
        boolean[] failWrites = {false};
        RequestHandlerFactory factory = new RequestHandlerFactory() {
            @Override
            public RequestHandler open(ConnectionContext context) {
                return shares.open(context);
            }

            @Override
            public void writeRecords() throws P9Exception {
                if (failWrites[0]) {
                    throw new P9Exception(Errno.EIO, "injected: the held records cannot be written");
                }
                shares.writeRecords();
            }
        };
        EmbeddedSession s =
                new EmbeddedSession(MSIZE, RequestLane.unbudgeted(Runnable::run, "test"), true, "", factory);
        long[] clock = {0};
        s.channel
                .pipeline()
                .replace(
                        RecordsBeforeReplies.class,
                        "9p-records-first",
                        new RecordsBeforeReplies(factory, () -> clock[0], RETRY, GIVE_UP));
        Wire wire = new Wire(logs);
        s.channel.pipeline().addFirst("wire", wire);
        s.negotiate(MSIZE);
        s.send(1, new TMessage.Tattach(0, TMessage.NOFID, "root", "share", 0));
        List<Frame> attached = s.replies();
        assertInstanceOf(RMessage.Rattach.class, attached.getLast().body(), attached.toString());
        return new Served(s, wire, trail, shares, failWrites, clock);
    }

    @Test
    void aBatchOfRepliesLeavesInOneFlushAfterItsRecords() throws Exception {
        try (Served s = served()) {
            s.wire.getattrRecordsAtFlush.clear();
            ByteBuf batch = Unpooled.buffer();
            for (int tag = 10; tag < 10 + BATCH; tag++) {
                batch.writeBytes(EmbeddedSession.encode(new Frame(tag, new TMessage.Tgetattr(0, 0x7ff))));
            }
            s.session.feed(batch); // one read: served on the loop one after another
            List<Frame> replies = s.session.replies();
            assertEquals(BATCH, replies.size());
            replies.forEach(r -> assertInstanceOf(RMessage.Rgetattr.class, r.body()));
            // main: a flush per reply (8), each after its own record's write(2)
            assertEquals(List.of((long) BATCH), s.wire.getattrRecordsAtFlush, "one flush, every record before it");
        }
    }

    @Test
    void aReplyWaitsForALogThatCannotWriteItsRecordAndLeavesOnceItCan() throws Exception {
        try (Served s = served()) {
            s.session.send(20, new TMessage.Tgetattr(0, 0x7ff));
            assertEquals(1, s.session.replies().size());
            // The held records cannot be written (AuditLog.writeHeld fails as a record's write does): the reply must
            // not leave, and the connection stays: the Linux client does not reconnect, so closing it on a short
            // failure of the log's disk would end the guest's mount.
            s.failWrites[0] = true;
            long records = s.trail.log().size();
            s.session.send(21, new TMessage.Tgetattr(0, 0x7ff));
            assertTrue(s.trail.log().size() > records, "its record was appended (held)");
            assertEquals(List.of(), s.session.replies());
            assertTrue(s.session.channel.isOpen(), "the connection waits for the log");
            // The log writes again: the next try of the flush sends the reply as it was.
            s.failWrites[0] = false;
            s.clock[0] += TimeUnit.MILLISECONDS.toNanos(RETRY);
            s.session.channel.advanceTimeBy(RETRY, TimeUnit.MILLISECONDS);
            s.session.channel.runScheduledPendingTasks();
            List<Frame> replies = s.session.replies();
            assertEquals(1, replies.size(), replies.toString());
            assertEquals(21, replies.getFirst().tag());
            assertInstanceOf(RMessage.Rgetattr.class, replies.getFirst().body());
            assertTrue(s.session.channel.isOpen());
        }
    }

    /**
     * Two connections over one log, held records of B's that cannot be written (the log failed): A's replies need no
     * unwritten record (its EIO refusal records nothing), so they leave; B's wait for the log's recovery. Main: every
     * connection's flush wrote the log's held records, so A's refusal waited with B's reply.
     */
    @Test
    void aConnectionWhoseRecordsAreWrittenRepliesWhileAnotherOnesCannotBeWritten() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        SignedLogs logs = SignedLogs.in(tmp);
        FailingLineWrites files = new FailingLineWrites();
        AuditLog log = files.open(logs.dir, logs.key, SignedLogs.options());
        SignedAuditTrail trail = new SignedAuditTrail(log).holdingLooks();
        ShareServerFactory shares = new ShareServerFactory(Map.of("share", share), new AllowAll(), trail);
        try (EmbeddedSession a = attached(shares);
                EmbeddedSession b = attached(shares)) {
            files.failing = true;
            b.send(20, new TMessage.Tgetattr(0, 0x7ff)); // its record is held, the write before its reply fails
            assertEquals(List.of(), b.replies(), "B's reply waits for its record");
            assertFalse(log.writable(), "the log failed");

            a.send(21, new TMessage.Tgetattr(0, 0x7ff));
            assertEquals(List.of(new Frame(21, new RMessage.Rlerror(Errno.EIO))), a.replies(), "A's refusal leaves");
            assertEquals(List.of(), b.replies());
            assertTrue(b.channel.isOpen(), "B waits for the log");

            files.failing = false;
            assertTrue(FailingLineWrites.recoverNow(log));
            b.channel.advanceTimeBy(RecordsBeforeReplies.RETRY_MILLIS, TimeUnit.MILLISECONDS);
            b.channel.runScheduledPendingTasks();
            List<Frame> replies = b.replies();
            assertEquals(1, replies.size(), replies.toString());
            assertInstanceOf(RMessage.Rgetattr.class, replies.getFirst().body());
        } finally {
            files.failing = false;
            FailingLineWrites.recoverNow(log); // so that closing it records its shutdown
            shares.close();
            trail.close();
        }
    }

    private static EmbeddedSession attached(ShareServerFactory shares) throws Exception {
        EmbeddedSession s = new EmbeddedSession(MSIZE, RequestLane.unbudgeted(Runnable::run, "test"), true, "", shares);
        s.negotiate(MSIZE);
        s.send(1, new TMessage.Tattach(0, TMessage.NOFID, "root", "share", 0));
        assertInstanceOf(RMessage.Rattach.class, s.replies().getLast().body());
        return s;
    }

    @Test
    void aLogThatStaysUnableToWriteTheRecordsLetsNoReplyOutAndClosesTheConnection() throws Exception {
        try (Served s = served()) {
            s.session.send(20, new TMessage.Tgetattr(0, 0x7ff));
            assertEquals(1, s.session.replies().size());
            s.failWrites[0] = true;
            s.session.send(21, new TMessage.Tgetattr(0, 0x7ff));
            assertEquals(List.of(), s.session.replies());
            assertTrue(s.session.channel.isOpen());
            s.clock[0] += TimeUnit.MILLISECONDS.toNanos(GIVE_UP);
            s.session.channel.advanceTimeBy(RETRY, TimeUnit.MILLISECONDS);
            s.session.channel.runScheduledPendingTasks();
            assertEquals(List.of(), s.session.replies(), "dropped unsent, as a crash would");
            assertFalse(s.session.channel.isOpen());
        }
    }
}
