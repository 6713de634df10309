package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.auditing.SignedAuditTrail;
import io.p9gate.gateway.auditing.SignedLogs;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RecordPhase;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.policyadapter.PolicyFixture;
import io.p9gate.gateway.policyadapter.PolicyListeners;
import io.p9gate.gateway.policyadapter.PolicyServed;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.MessageType;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Stat;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.Wstats;
import io.p9gate.gateway.server.Gateway;
import io.p9gate.gateway.server.GatewayConfig;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.PolicyHolder;
import io.p9gate.policy.dialect.Dialect;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 11's argument against a hostile guest: a Twrite's intent only reaches the kernel before the write, because
 * every Twrite acts through an open whose record was on disk before the open was answered (a Tlopen/Topen for
 * writing: its record; a Tlcreate, Tcreate or truncating open: its intent). A raw client of each dialect tries every
 * way it has to a fid it can write through: Tlopen and Topen with each access mode and O_TRUNC, Tlcreate with and
 * without O_EXCL over an existing file, Tcreate of a file and of a directory, ORCLOSE, a Twalk clone of an open fid,
 * an O_RDONLY fid, a directory, a symlink, a Txattrcreate fid, a Twrite pipelined behind its Tlopen in the same
 * socket write, a Tflush of that Tlopen, and a policy reload between the open and the write. The trail under the
 * gateway ({@link CoveringCheck}) checks, when each Twrite's intent is handed over, that a record covering the
 * write (same VM, session and file) is already on disk, and that every record the request must wait for is on disk
 * when it returns. A Twrite that was not covered must have failed (an outcome record with an errno): then the host
 * did not change.
 */
@Timeout(120)
class WritableFidDurabilityAttackTest {
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_RDWR = 2;
    private static final int O_EXCL = 00000200;
    private static final int O_TRUNC = 00001000;
    private static final int OREAD = 0;
    private static final int OWRITE = 1;
    private static final int ORDWR = 2;
    private static final int OTRUNC = 0x10;
    private static final int ORCLOSE = 0x40;

    @TempDir
    Path tmp;

    PolicyFixture fx;
    PolicyHolder holder;
    SignedLogs logs;
    SignedAuditTrail signed;
    CoveringCheck check;
    ShareServerFactory shares;
    Gateway gateway;

    /**
     * The trail the gateway records through: the real signed log, plus the checks. Files are keyed by VM, session
     * and share path; the scripts below never rename a file they write through.
     */
    static final class CoveringCheck implements AuditTrail {
        final SignedAuditTrail signed;
        /** The last record that gave write access to a file: the open for writing, a create's or O_TRUNC's intent. */
        final Map<String, Long> covers = new ConcurrentHashMap<>();
        /** Twrite intents with no covering record on disk, until an outcome says the write failed. */
        final Map<Long, String> uncovered = new ConcurrentHashMap<>();

        final List<String> notDurable = new CopyOnWriteArrayList<>();
        final AtomicInteger coveredWrites = new AtomicInteger();
        final AtomicInteger grants = new AtomicInteger();

        CoveringCheck(SignedAuditTrail signed) {
            this.signed = signed;
        }

        @Override
        public long record(AuditEntry entry) throws P9Exception {
            AccessRequest r = entry.request();
            Operation op = r.operation();
            boolean intent = entry.phase() == RecordPhase.INTENT;
            String file = r.vm() + " session " + r.sessionId() + " " + r.share() + ":"
                    + (r.paths().isEmpty() ? "?" : r.paths().getFirst());
            // A Twrite on a Txattrcreate fid fills a buffer; the host changes at the clunk, whose intent is checked.
            boolean fileWrite = intent && op == Operation.WRITE && r.args() instanceof RequestArgs.FileIo;
            String why = null;
            if (fileWrite) {
                Long cover = covers.get(file);
                long onDisk = signed.log().durableRecords();
                if (cover == null) {
                    why = file + ": no record opened it for writing";
                } else if (onDisk <= cover) {
                    why = file + ": its open's record " + cover + " is not on disk (" + onDisk + " are)";
                }
            }
            long seq = signed.record(entry);
            if (why != null) {
                uncovered.put(seq, "write intent " + seq + ", " + why);
            } else if (fileWrite) {
                coveredWrites.incrementAndGet();
            }
            if (entry.phase() == RecordPhase.OUTCOME && entry.outcome().errno() != null) {
                uncovered.remove(entry.intentSeq()); // the write failed: nothing changed
            }
            boolean grantsWrite = intent && (op == Operation.CREATE || op == Operation.OPEN)
                    || entry.phase() == RecordPhase.DONE
                            && op == Operation.OPEN
                            && entry.outcome().errno() == null
                            && r.args() instanceof RequestArgs.Open(int flags)
                            && (flags & 3) != 0;
            if (grantsWrite) {
                covers.put(file, seq);
                grants.incrementAndGet();
            }
            if ((intent && op != Operation.WRITE) || grantsWrite) {
                if (signed.log().durableRecords() <= seq) {
                    notDurable.add(op + " " + entry.phase() + " " + seq + " " + file);
                }
            }
            return seq;
        }

        @Override
        public boolean writable() {
            return signed.writable();
        }

        @Override
        public void lifecycle(GatewayEvent event) throws P9Exception {
            signed.lifecycle(event);
        }
    }

    @BeforeEach
    void start() throws Exception {
        fx = new PolicyFixture(tmp, "1MiB");
        for (String name : List.of("a", "b", "c", "e", "f", "k", "m")) {
            Files.writeString(fx.data.resolve(name), "hello");
        }
        Files.createDirectory(fx.data.resolve("dir"));
        Files.createSymbolicLink(fx.data.resolve("ln"), Path.of("a"));
        logs = SignedLogs.in(tmp);
        signed = logs.open();
        check = new CoveringCheck(signed);
        holder = fx.holder();
        shares = PolicyServed.shares(holder, check);
        gateway = Gateway.start(
                new GatewayConfig(PolicyListeners.of(holder.current()), shares, GatewayConfig.DEFAULT_MSIZE, 4));
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        shares.close();
        signed.close();
    }

    private void assertEveryWriteWasCovered(int atLeast) {
        assertEquals(List.of(), check.notDurable, "records only in the page cache when the request went on");
        assertEquals(Map.of(), check.uncovered, "writes made with no record on disk covering them");
        assertTrue(
                check.coveredWrites.get() >= atLeast,
                "the script writes through " + atLeast + " fids at least: " + check.coveredWrites.get());
    }

    private String host(String name) throws IOException {
        return Files.readString(fx.data.resolve(name), StandardCharsets.UTF_8);
    }

    @Test
    void everyWayToAWritableFidIn9P2000LIsCoveredByARecordOnDisk() throws Exception {
        try (RawGuest g = new RawGuest(fx.alphaSocket, Dialect.L)) {
            g.ok(new TMessage.Twalk(0, 1, List.of("a")), new TMessage.Tlopen(1, O_WRONLY), write(1, "A"));
            g.ok(new TMessage.Twalk(0, 2, List.of("b")), new TMessage.Tlopen(2, O_RDWR | O_TRUNC), write(2, "B"));
            // O_TRUNC with O_RDONLY truncates on Linux: a change, but the fid cannot write.
            g.ok(new TMessage.Twalk(0, 3, List.of("c")), new TMessage.Tlopen(3, O_RDONLY | O_TRUNC));
            assertFalse(g.call(write(3, "C")).ok(), "a read-only fid does not write");
            g.ok(
                    new TMessage.Twalk(0, 4, List.of()),
                    new TMessage.Tlcreate(4, "d", O_RDWR | O_EXCL, 0644, 0),
                    write(4, "D"));
            g.ok(new TMessage.Twalk(0, 5, List.of()), new TMessage.Tlcreate(5, "e", O_RDWR, 0644, 0), write(5, "E"));
            g.ok(new TMessage.Twalk(0, 6, List.of("f")), new TMessage.Tlopen(6, O_RDONLY));
            assertFalse(g.call(write(6, "F")).ok(), "a read-only fid does not write");
            // A clone of an open fid is only walked: no write through it, until it is opened itself.
            g.ok(new TMessage.Twalk(1, 7, List.of()));
            assertFalse(g.call(write(7, "X")).ok(), "a clone of an open fid is not open");
            g.ok(new TMessage.Tlopen(7, O_RDONLY));
            assertFalse(g.call(write(7, "X")).ok(), "a clone opened read-only does not write");
            g.ok(new TMessage.Twalk(0, 9, List.of("dir")), new TMessage.Tlopen(9, O_RDONLY));
            assertFalse(g.call(write(9, "X")).ok(), "a directory is not written");
            g.ok(new TMessage.Twalk(0, 10, List.of("dir")));
            assertFalse(g.call(new TMessage.Tlopen(10, O_RDWR)).ok(), "a directory is not opened for writing");
            assertFalse(g.call(write(10, "X")).ok());
            g.ok(new TMessage.Twalk(0, 11, List.of("ln")));
            assertFalse(g.call(new TMessage.Tlopen(11, O_RDWR)).ok(), "a symlink is not opened");
            assertFalse(g.call(write(11, "X")).ok());
            // A Txattrcreate fid's writes change the host at its clunk, whose intent waits for the disk.
            g.ok(new TMessage.Twalk(0, 12, List.of("a")), new TMessage.Txattrcreate(12, "user.k", 1, 0));
            g.ok(write(12, "v"), new TMessage.Tclunk(12));
        }
        assertEquals("A", host("a").substring(0, 1));
        assertEquals("B", host("b"));
        assertEquals("", host("c"));
        assertEquals("D", host("d"));
        assertEquals("Eello", host("e"));
        assertEquals("hello", host("f"));
        gateway.close(); // every record is in
        assertEveryWriteWasCovered(4);
    }

    /**
     * A Twrite in the same socket write as its Tlopen (served by another worker, in parallel), a Tflush of the
     * Tlopen between them, and a burst of files opened, written and clunked in one write: whichever the gateway
     * answers first, no write goes ahead of its open's record on disk.
     */
    @Test
    void aWritePipelinedBehindItsOpenWaitsForTheOpensRecord() throws Exception {
        int files = 40;
        List<RawGuest.Reply> replies = new ArrayList<>();
        try (RawGuest g = new RawGuest(fx.alphaSocket, Dialect.L)) {
            replies.addAll(
                    g.batch(new TMessage.Twalk(0, 1, List.of("k")), new TMessage.Tlopen(1, O_RDWR), write(1, "K")));
            int flushed = g.nextTag() + 1;
            replies.addAll(g.batch(
                    new TMessage.Twalk(0, 2, List.of("m")),
                    new TMessage.Tlopen(2, O_RDWR),
                    new TMessage.Tflush(flushed),
                    write(2, "M"),
                    write(2, "M")));
            List<TMessage> burst = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                int fid = 100 + i;
                burst.add(new TMessage.Twalk(0, fid, List.of()));
                burst.add(new TMessage.Tlcreate(fid, "burst-" + i, O_RDWR, 0644, 0));
                burst.add(write(fid, "x"));
                burst.add(write(fid, "x"));
                burst.add(new TMessage.Tclunk(fid));
                burst.add(new TMessage.Twalk(0, fid, List.of("burst-" + i)));
                burst.add(new TMessage.Tlopen(fid, O_WRONLY));
                burst.add(write(fid, "y"));
                burst.add(write(fid, "z"));
                burst.add(new TMessage.Tclunk(fid));
            }
            replies.addAll(g.batch(burst.toArray(TMessage[]::new)));
        }
        long written = replies.stream()
                .filter(r -> r.type() == MessageType.RWRITE.code())
                .count();
        gateway.close();
        assertEveryWriteWasCovered((int) written);
    }

    /** A reload between the open and the write: the write is decided by the new policy and still covered. */
    @Test
    void aPolicyReloadBetweenTheOpenAndTheWriteLeavesTheWriteCovered() throws Exception {
        try (RawGuest g = new RawGuest(fx.alphaSocket, Dialect.L)) {
            g.ok(new TMessage.Twalk(0, 1, List.of("m")), new TMessage.Tlopen(1, O_RDWR), write(1, "1"));
            Files.writeString(fx.policyFile, fx.policy("").replace("\"/**/*.sh\"", "\"/**/*.sh\", \"/m\""));
            assertTrue(holder.reload() instanceof PolicyHolder.ReloadResult.Loaded, "the stricter policy is taken");
            g.call(write(1, "2"));
            Files.writeString(fx.policyFile, fx.policy(""));
            assertTrue(holder.reload() instanceof PolicyHolder.ReloadResult.Loaded);
            g.ok(write(1, "3"));
        }
        gateway.close();
        assertEveryWriteWasCovered(2);
    }

    @ParameterizedTest
    @EnumSource(
            value = Dialect.class,
            names = {"U", "LEGACY"})
    void everyWayToAWritableFidInTheLegacyDialectsIsCoveredByARecordOnDisk(Dialect dialect) throws Exception {
        Optional<String> ext = dialect == Dialect.U ? Optional.of("") : Optional.empty();
        try (RawGuest g = new RawGuest(fx.alphaSocket, dialect)) {
            g.ok(new TMessage.Twalk(0, 1, List.of("a")), new TMessage.Topen(1, OWRITE), write(1, "A"));
            g.ok(new TMessage.Twalk(0, 2, List.of("b")), new TMessage.Topen(2, ORDWR | OTRUNC), write(2, "B"));
            g.ok(new TMessage.Twalk(0, 3, List.of("c")), new TMessage.Topen(3, OREAD));
            assertFalse(g.call(write(3, "C")).ok(), "a read-only fid does not write");
            g.ok(new TMessage.Twalk(0, 4, List.of()), new TMessage.Tcreate(4, "d", 0644, ORDWR, ext), write(4, "D"));
            g.ok(new TMessage.Twalk(0, 5, List.of("e")), new TMessage.Topen(5, ORDWR | ORCLOSE), write(5, "E"));
            g.ok(new TMessage.Tclunk(5));
            g.ok(new TMessage.Twalk(0, 6, List.of()), new TMessage.Tcreate(6, "sub", Stat.DMDIR | 0755, OREAD, ext));
            assertFalse(g.call(write(6, "X")).ok(), "a directory is not written");
            g.ok(new TMessage.Twalk(0, 7, List.of()));
            assertFalse(
                    g.call(new TMessage.Tcreate(7, "sub2", Stat.DMDIR | 0755, ORDWR, ext))
                            .ok(),
                    "a directory is not opened for writing");
            assertFalse(g.call(write(7, "X")).ok());
            g.ok(new TMessage.Twalk(1, 8, List.of()));
            assertFalse(g.call(write(8, "X")).ok(), "a clone of an open fid is not open");
            g.ok(new TMessage.Twalk(0, 9, List.of("f")));
            g.ok(truncate(dialect, 9));
            g.ok(new TMessage.Twalk(0, 10, List.of("k")), new TMessage.Topen(10, ORDWR), write(10, "K"));
            g.batch(new TMessage.Twalk(0, 11, List.of("m")), new TMessage.Topen(11, ORDWR), write(11, "M"));
        }
        assertEquals("A", host("a").substring(0, 1));
        assertEquals("B", host("b"));
        assertEquals("hello", host("c"));
        assertEquals("D", host("d"));
        assertFalse(Files.exists(fx.data.resolve("e")), "ORCLOSE removed it");
        assertEquals("", host("f"));
        gateway.close();
        assertEveryWriteWasCovered(4);
    }

    /** Twstat of the size to 0, as the dialect lays a wstat out. */
    private static TMessage.Twstat truncate(Dialect dialect, int fid) {
        Stat.Common size0 = Wstats.common(-1, "", -1, -1, 0L, "");
        return dialect == Dialect.U ? Wstats.unix(fid, size0, -1, -1) : Wstats.plain(fid, size0);
    }

    private static TMessage.Twrite write(int fid, String text) {
        return new TMessage.Twrite(fid, 0, Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A guest on a raw socket: each {@link #batch} goes out in one write, with consecutive tags, and its replies
     * are read back (a flushed request's may never come).
     */
    static final class RawGuest implements AutoCloseable {
        record Reply(int tag, int type, int errno) {
            boolean ok() {
                return type != MessageType.RLERROR.code() && type != MessageType.RERROR.code();
            }
        }

        private final SocketChannel channel;
        private int tag = 1;

        RawGuest(Path socket, Dialect dialect) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            int msize = 65536 + 4096;
            ByteBuf out = Unpooled.buffer();
            MessageEncoder.writeHeaderAndBody(
                    new Frame(Frame.NOTAG, new TMessage.Tversion(msize, dialect.version())), out);
            send(out);
            ByteBuffer version = readReply();
            assertEquals(MessageType.RVERSION.code(), version.get(4) & 0xff);
            if (dialect == Dialect.L) {
                ByteBuf attach = Unpooled.buffer();
                MessageEncoder.writeHeaderAndBody(
                        new Frame(tag++, new TMessage.Tattach(0, TMessage.NOFID, "root", "data", 0)), attach);
                send(attach);
            } else {
                send(LegacyDialectBudgetAttackTest.tattach(tag++, dialect));
            }
            ByteBuffer attached = readReply();
            assertEquals(MessageType.RATTACH.code(), attached.get(4) & 0xff, "attached as " + dialect);
        }

        int nextTag() {
            return tag;
        }

        Reply call(TMessage request) throws IOException {
            return batch(request).getFirst();
        }

        /**
         * Each request in turn, each awaited before the next is sent, must succeed. (Sent together, a Twrite right
         * behind its Tlopen is served in parallel with it and finds the fid not open yet: EBADF.)
         */
        void ok(TMessage... requests) throws IOException {
            for (TMessage request : requests) {
                Reply reply = call(request);
                assertTrue(reply.ok(), request + " answered " + reply);
            }
        }

        /** Sends every request in one write; the replies in request order (a flushed one's may be missing). */
        List<Reply> batch(TMessage... requests) throws IOException {
            ByteBuf out = Unpooled.buffer();
            List<Integer> tags = new ArrayList<>();
            Set<Integer> flushed = new HashSet<>();
            for (TMessage request : requests) {
                int t = tag++;
                tags.add(t);
                if (request instanceof TMessage.Tflush f) {
                    flushed.add(f.oldtag());
                }
                MessageEncoder.writeHeaderAndBody(new Frame(t, request), out);
                if (request instanceof TMessage.Twrite w) {
                    out.writeBytes(w.data());
                    w.data().release();
                }
            }
            send(out);
            Map<Integer, Reply> got = new LinkedHashMap<>();
            Set<Integer> awaited = new HashSet<>(tags);
            awaited.removeAll(flushed);
            while (!got.keySet().containsAll(awaited)) {
                ByteBuffer reply = readReply();
                int type = reply.get(4) & 0xff;
                int t = reply.getShort(5) & 0xffff;
                int errno = type == MessageType.RLERROR.code() ? reply.getInt(7) : 0;
                got.put(t, new Reply(t, type, errno));
            }
            List<Reply> inOrder = new ArrayList<>();
            for (int t : tags) {
                if (got.containsKey(t)) {
                    inOrder.add(got.get(t));
                }
            }
            return inOrder;
        }

        private void send(ByteBuf out) throws IOException {
            ByteBuffer bytes = out.nioBuffer();
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            out.release();
        }

        private ByteBuffer readReply() throws IOException {
            ByteBuffer head = readFully(4);
            int size = head.getInt(0);
            ByteBuffer whole = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            whole.putInt(size);
            whole.put(readFully(size - 4));
            return whole.flip();
        }

        private ByteBuffer readFully(int n) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    throw new IOException("the gateway closed the connection");
                }
            }
            return buffer.flip();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
