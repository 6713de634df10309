package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Red team (R-PROTO-3, R-AUD-1, R-ROB-3): a hostile guest ends what it started while a change is in flight, held at
 * its intent record (a latch, no timing): a Tflush of it, a Tversion that restarts the session, a dropped
 * connection. The change runs to its end either way (the gateway never abandons a decided change half-way), its
 * records say so, and the session's end comes after them in the trail and releases what the session held.
 */
@Timeout(60)
class SessionResetRaceAttackTest {
    private static final int O_RDWR = 2;
    /**
     * A write through an O_DSYNC open waits for the disk, so it is served by a worker: a quick Twrite with nothing
     * else in flight is served on the event loop, which the held record would hold (and the Tflush with it).
     */
    private static final int O_DSYNC = 00010000;

    private static final int F_WRLCK = 1;
    private static final int LOCK_SUCCESS = 0;
    private static final int LOCK_BLOCKED = 1;

    @TempDir
    Path tmp;

    PolicyFixture fx;
    PolicyHolder holder;
    GatedTrail trail;
    ShareServerFactory shares;
    Gateway gateway;

    /** Every record and lifecycle event in order; holds the first intent of {@link #hold} until released. */
    static final class GatedTrail implements AuditTrail {
        final List<Object> events = new CopyOnWriteArrayList<>();
        volatile Operation hold;
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public long record(AuditEntry entry) throws P9Exception {
            long seq;
            synchronized (events) { // the sequence number is the record's place in the trail
                events.add(entry);
                seq = events.size();
            }
            if (entry.phase() == RecordPhase.INTENT && entry.request().operation() == hold) {
                hold = null;
                reached.countDown();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never released the held change");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return seq;
        }

        @Override
        public void lifecycle(GatewayEvent event) {
            synchronized (events) {
                events.add(event);
            }
        }

        void holdNext(Operation op) {
            hold = op;
        }

        void awaitHeld() throws InterruptedException {
            assertTrue(reached.await(30, TimeUnit.SECONDS), "the change reached its intent record");
        }

        /** Index in the trail of the first event matching, or -1. */
        int indexOf(java.util.function.Predicate<Object> which) {
            for (int i = 0; i < events.size(); i++) {
                if (which.test(events.get(i))) {
                    return i;
                }
            }
            return -1;
        }

        List<AuditEntry> records(Operation op) {
            List<AuditEntry> out = new ArrayList<>();
            for (Object e : events) {
                if (e instanceof AuditEntry a && a.request().operation() == op) {
                    out.add(a);
                }
            }
            return out;
        }
    }

    @BeforeEach
    void start() throws Exception {
        fx = new PolicyFixture(tmp, "4KiB");
        Files.writeString(fx.data.resolve("victim"), "v");
        Files.writeString(fx.data.resolve("locked"), "l");
        trail = new GatedTrail();
        holder = fx.holder();
        shares = PolicyServed.shares(holder, trail);
        gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
    }

    @AfterEach
    void stop() throws Exception {
        trail.release.countDown();
        gateway.close();
        shares.close();
    }

    private P9Client alpha() throws Exception {
        P9Client c = P9Client.open(UnixDomainSocketAddress.of(fx.alphaSocket), 65536);
        c.attach(0, "root", "data", 0);
        return c;
    }

    private static TMessage.Tlock writeLock(int fid) {
        return new TMessage.Tlock(fid, F_WRLCK, 0, 0, 0, 1, "guest");
    }

    /** A change the guest flushes while it is held at its intent, and how to tell it was made whole. */
    enum Change {
        UNLINK(Operation.REMOVE, new TMessage.Tunlinkat(0, "victim", 0)) {
            @Override
            boolean done(Path data) {
                return !Files.exists(data.resolve("victim"));
            }
        },
        RENAME(Operation.RENAME, new TMessage.Trenameat(0, "victim", 0, "renamed")) {
            @Override
            boolean done(Path data) {
                return !Files.exists(data.resolve("victim")) && Files.exists(data.resolve("renamed"));
            }
        },
        MKDIR(Operation.MKDIR, new TMessage.Tmkdir(0, "made", 0755, 0)) {
            @Override
            boolean done(Path data) {
                return Files.isDirectory(data.resolve("made"));
            }
        },
        TRUNCATE(Operation.SETATTR, null) {
            @Override
            TMessage request() {
                return new TMessage.Tsetattr(
                        1,
                        new io.p9gate.gateway.proto.SetAttr(
                                io.p9gate.gateway.proto.SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0));
            }

            @Override
            boolean done(Path data) throws java.io.IOException {
                return Files.size(data.resolve("victim")) == 0;
            }
        },
        WRITE(Operation.WRITE, null) {
            @Override
            TMessage request() {
                return new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer("written".getBytes(StandardCharsets.UTF_8)));
            }

            @Override
            boolean done(Path data) throws java.io.IOException {
                return Files.readString(data.resolve("victim")).equals("written");
            }
        };

        final Operation op;
        private final TMessage request;

        Change(Operation op, TMessage request) {
            this.op = op;
            this.request = request;
        }

        TMessage request() {
            return request;
        }

        abstract boolean done(Path data) throws java.io.IOException;
    }

    @ParameterizedTest
    @EnumSource(Change.class)
    void aFlushedChangeIsDoneAndRecordedAndItsRflushFollowsItsReply(Change change) throws Exception {
        try (P9Client g = alpha()) {
            g.walk(0, 1, "victim");
            g.lopen(1, O_RDWR | O_DSYNC);
            trail.holdNext(change.op);
            PendingCall held = g.send(change.request());
            trail.awaitHeld();
            PendingCall flush = g.send(new TMessage.Tflush(held.tag()));
            PendingCall flushOfFlush = g.send(new TMessage.Tflush(flush.tag()));
            // A flush of a tag nobody uses is answered at once, whatever else is in flight.
            assertInstanceOf(RMessage.Rflush.class, g.rpc(new TMessage.Tflush(4321)));
            assertFalse(flush.reply().isDone(), "Rflush before the flushed request's reply");
            List<Integer> order = new CopyOnWriteArrayList<>();
            // The callbacks run on the reading thread, maybe after await returns here: waited for before the order is
            // read.
            CompletableFuture<Void> noted = CompletableFuture.allOf(
                    held.reply().thenRun(() -> order.add(1)),
                    flush.reply().thenRun(() -> order.add(2)),
                    flushOfFlush.reply().thenRun(() -> order.add(3)));
            trail.release.countDown();
            g.await(held);
            assertInstanceOf(RMessage.Rflush.class, g.await(flush));
            assertInstanceOf(RMessage.Rflush.class, g.await(flushOfFlush));
            noted.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(1, 2, 3), order, "each Rflush after what it flushed");
            assertTrue(change.done(fx.data), "the change was made whole");
        }
        List<AuditEntry> records = trail.records(change.op);
        assertEquals(1, records.size(), "one intent, no failure outcome: " + records);
        assertEquals(RecordPhase.INTENT, records.getFirst().phase());
    }

    @Test
    void aTversionWithAChangeInFlightRecordsItBeforeTheSessionEndsAndReleasesWhatTheSessionHeld() throws Exception {
        try (P9Client g = alpha();
                P9Client other = alpha()) {
            // Held by the session: a lock, a pending xattr, a file in /cache unlinked while open (its bytes count
            // until the last handle goes).
            g.walk(0, 1, "locked");
            g.lopen(1, O_RDWR);
            assertEquals(LOCK_SUCCESS, ((RMessage.Rlock) g.rpc(writeLock(1))).status());
            g.walk(0, 2, "victim");
            g.rpc(new TMessage.Txattrcreate(2, "user.pending", 8, 0));
            g.walk(0, 3, "cache");
            g.rpc(new TMessage.Tlcreate(3, "big", O_RDWR, 0644, 0));
            g.write(3, 0, new byte[4096]);
            g.walk(0, 4, "cache");
            g.unlinkat(4, "big", 0);
            other.walk(0, 1, "locked");
            other.lopen(1, O_RDWR);
            assertEquals(LOCK_BLOCKED, ((RMessage.Rlock) other.rpc(writeLock(1))).status());

            trail.holdNext(Operation.MKDIR);
            PendingCall mkdir = g.send(new TMessage.Tmkdir(0, "made", 0755, 0));
            trail.awaitHeld();
            PendingCall version = g.send(new TMessage.Tversion(65536, P9Client.VERSION));
            assertFalse(version.reply().isDone(), "Rversion while a request of the old session runs");
            trail.release.countDown();
            assertInstanceOf(RMessage.Rmkdir.class, g.await(mkdir));
            assertInstanceOf(RMessage.Rversion.class, g.await(version));
            assertTrue(Files.isDirectory(fx.data.resolve("made")));

            assertThrows(P9Exception.class, () -> g.walk(1, 9), "the old session's fids are gone");
            assertEquals(LOCK_SUCCESS, ((RMessage.Rlock) other.rpc(writeLock(1))).status(), "its lock is released");
            // Its pending xattr was never committed: not set.
            other.walk(0, 2, "victim");
            P9Exception absent =
                    assertThrows(P9Exception.class, () -> other.rpc(new TMessage.Txattrwalk(2, 3, "user.pending")));
            assertEquals(Errno.ENODATA, absent.errno());
            // Its unlinked file's 4 KiB are free again: the quota takes 4 KiB more.
            other.walk(0, 4, "cache");
            other.rpc(new TMessage.Tlcreate(4, "again", O_RDWR, 0644, 0));
            assertEquals(4096, other.write(4, 0, new byte[4096]));
        }
        assertTrue(
                trail.indexOf(e -> e instanceof AuditEntry a && a.request().operation() == Operation.MKDIR)
                        < trail.indexOf(e -> e instanceof GatewayEvent.SessionClosed),
                "the change's record comes before its session's end");
    }

    @Test
    void aConnectionDroppedWithAChangeInFlightStillRecordsItAndEndsTheSessionAfter() throws Exception {
        P9Client g = alpha();
        g.walk(0, 1, "locked");
        g.lopen(1, O_RDWR);
        assertEquals(LOCK_SUCCESS, ((RMessage.Rlock) g.rpc(writeLock(1))).status());
        g.walk(0, 2, "victim");
        g.lopen(2, O_RDWR | O_DSYNC);
        trail.holdNext(Operation.WRITE);
        g.send(new TMessage.Twrite(2, 0, Unpooled.wrappedBuffer("written".getBytes(StandardCharsets.UTF_8))));
        trail.awaitHeld();
        long session = sessionOf(Operation.WRITE);
        g.close();
        trail.release.countDown();
        assertEquals(LOCK_SUCCESS, lockOnceDroppedSessionsEnd(), "the dropped session's lock is released");
        assertEquals("written", Files.readString(fx.data.resolve("victim")));
        int write = trail.indexOf(e -> e instanceof AuditEntry a
                && a.request().operation() == Operation.WRITE
                && a.request().sessionId() == session);
        int closed = trail.indexOf(e -> e instanceof GatewayEvent.SessionClosed c && c.session() == session);
        assertTrue(write >= 0 && closed > write, "the write's record before its session's end");
        assertEquals(1, trail.records(Operation.WRITE).size(), "one intent, whole: no outcome record");
    }

    /**
     * Many quick reconnects, each dropping its connection with changes, a lock and a Tversion still in flight: every
     * session is opened and closed once in the trail, its records all between the two; each change's intent is
     * followed by the change on the host unless an outcome says it failed; and no lock outlives its session.
     */
    @Test
    void quickReconnectsDroppingRequestsInFlightLeaveEverySessionWholeInTheTrail() throws Exception {
        int rounds = 40;
        for (int i = 0; i < rounds; i++) {
            P9Client g = alpha();
            g.walk(0, 1, "locked");
            g.send(new TMessage.Tlopen(1, O_RDWR));
            g.send(writeLock(1));
            g.send(new TMessage.Tmkdir(0, "d" + i, 0755, 0));
            g.send(new TMessage.Tunlinkat(0, "d" + (i - 1), 0x200));
            if (i % 2 == 0) {
                g.send(new TMessage.Tversion(65536, P9Client.VERSION));
            }
            g.send(new TMessage.Tlcreate(0, "f" + i, O_RDWR, 0644, 0));
            g.close();
        }
        assertEquals(LOCK_SUCCESS, lockOnceDroppedSessionsEnd(), "no dropped session's lock outlives it");
        gateway.close();
        java.util.Map<Long, Integer> state = new java.util.HashMap<>(); // 1 open, 2 closed
        java.util.Set<Long> failedIntents = new java.util.HashSet<>();
        List<AuditEntry> intents = new ArrayList<>();
        List<Long> intentSeqs = new ArrayList<>();
        for (int seq = 1; seq <= trail.events.size(); seq++) {
            switch (trail.events.get(seq - 1)) {
                case GatewayEvent.SessionOpened o ->
                    assertEquals(null, state.put(o.session(), 1), "session " + o.session() + " opened once");
                case GatewayEvent.SessionClosed c ->
                    assertEquals(
                            1, state.put(c.session(), 2), "session " + c.session() + " closed once, after opening");
                case AuditEntry a
                when a.request().sessionId() > 0 -> {
                    assertEquals(1, state.get(a.request().sessionId()), "a record inside its session's lifetime: " + a);
                    if (a.phase() == RecordPhase.INTENT) {
                        intents.add(a);
                        intentSeqs.add((long) seq);
                    } else if (a.phase() == RecordPhase.OUTCOME && a.outcome().errno() != null) {
                        failedIntents.add(a.intentSeq());
                    }
                }
                default -> {}
            }
        }
        assertTrue(state.values().stream().allMatch(v -> v == 2), "every session closed: " + state);
        List<AuditEntry> done = new ArrayList<>();
        for (int k = 0; k < intents.size(); k++) {
            if (!failedIntents.contains(intentSeqs.get(k))) {
                done.add(intents.get(k));
            }
        }
        for (int i = 0; i < rounds; i++) {
            String name = "d" + i;
            long madeAndKept = done.stream()
                    .filter(a -> a.request().operation() == Operation.MKDIR
                            && a.request().paths().equals(List.of(name)))
                    .count();
            assertTrue(madeAndKept <= 1, name);
            assertEquals(
                    Files.isDirectory(fx.data.resolve(name)),
                    madeAndKept == 1 && !removed(done, name),
                    name + " is on the host exactly when the trail says it was made and not removed");
        }
    }

    private static boolean removed(List<AuditEntry> done, String name) {
        return done.stream()
                .anyMatch(a -> a.request().operation() == Operation.REMOVE
                        && a.request().paths().equals(List.of(name)));
    }

    /**
     * A tag reused while its request runs closes the connection (a reply could no longer be matched): the running
     * change is still finished and recorded, before its session's end; the request that reused the tag is never
     * served.
     */
    @Test
    void aTagReusedWhileItsChangeRunsClosesTheConnectionAfterTheChangeIsRecorded() throws Exception {
        try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            raw.connect(UnixDomainSocketAddress.of(fx.alphaSocket));
            send(raw, Frame.NOTAG, new TMessage.Tversion(65536, P9Client.VERSION));
            assertEquals(MessageType.RVERSION.code(), replyType(raw));
            send(raw, 1, new TMessage.Tattach(0, TMessage.NOFID, "root", "data", 0));
            assertEquals(MessageType.RATTACH.code(), replyType(raw)); // requests run in parallel: attached first
            trail.holdNext(Operation.MKDIR);
            send(raw, 7, new TMessage.Tmkdir(0, "made", 0755, 0));
            trail.awaitHeld();
            send(raw, 7, new TMessage.Tgetattr(0, 0x7ff));
            // Nothing more: the connection is closed (the held Tmkdir's reply has nowhere to go).
            ByteBuffer rest = ByteBuffer.allocate(4096);
            int total = 0;
            for (int n; (n = raw.read(rest)) >= 0; ) {
                total += n;
            }
            trail.release.countDown();
            assertEquals(0, total, "no reply to the request that reused the tag");
        }
        gateway.close(); // every session has ended and been recorded
        assertTrue(Files.isDirectory(fx.data.resolve("made")), "the change was finished");
        assertEquals(1, trail.records(Operation.MKDIR).size());
        assertEquals(List.of(), trail.records(Operation.GETATTR), "the request that reused the tag was not served");
        long session = sessionOf(Operation.MKDIR);
        int mkdir = trail.indexOf(e -> e instanceof AuditEntry a && a.request().operation() == Operation.MKDIR);
        int closed = trail.indexOf(e -> e instanceof GatewayEvent.SessionClosed c && c.session() == session);
        assertTrue(mkdir >= 0 && closed > mkdir, "the change's record before its session's end");
    }

    /** The type of the next reply on {@code channel}. */
    private static int replyType(SocketChannel channel) throws java.io.IOException {
        ByteBuffer head = ByteBuffer.allocate(7).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (head.hasRemaining()) {
            assertTrue(channel.read(head) >= 0, "connection closed");
        }
        ByteBuffer body = ByteBuffer.allocate(head.getInt(0) - 7);
        while (body.hasRemaining()) {
            assertTrue(channel.read(body) >= 0, "connection closed");
        }
        return head.get(4) & 0xff;
    }

    private static void send(SocketChannel channel, int tag, TMessage request) throws java.io.IOException {
        ByteBuf out = Unpooled.buffer();
        MessageEncoder.writeHeaderAndBody(new Frame(tag, request), out);
        ByteBuffer bytes = out.nioBuffer();
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        out.release();
    }

    /**
     * A new session's write lock on {@code locked}: a dropped session's lock goes once its last request is done, so
     * it is asked until then (a count of tries, not a time).
     */
    private int lockOnceDroppedSessionsEnd() throws Exception {
        try (P9Client other = alpha()) {
            other.walk(0, 1, "locked");
            other.lopen(1, O_RDWR);
            int status = LOCK_BLOCKED;
            for (int i = 0; i < 10_000 && status != LOCK_SUCCESS; i++) {
                status = ((RMessage.Rlock) other.rpc(writeLock(1))).status();
            }
            return status;
        }
    }

    private long sessionOf(Operation op) {
        return trail.records(op).getFirst().request().sessionId();
    }
}
