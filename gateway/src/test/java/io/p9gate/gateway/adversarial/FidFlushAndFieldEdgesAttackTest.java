package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.codec.CodecBuffers;
import io.p9gate.gateway.codec.MessageEncoder;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.Frame;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.testing.LoggedLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team round 16 (R-ROB-1, R-PROTO-2/3, R-AUD-1): fid, tag, flush and field edges a raw client reaches that the
 * earlier sweeps ({@link ProtocolEdgeSweepAttackTest}) did not: an in-place walk that stops part way, a Tremove of
 * the attach fid, flushes of requests already answered and a storm of flushes of free tags, counts of 0 and 1, the
 * time-set bits without their time bits, symlink targets at PATH_MAX, and a trailing byte after every request.
 * Each is answered with a reply or an errno (never EIO), changes nothing it must not, logs no warning (the client
 * warns of a reply for a tag it no longer waits for: one after its Rflush), and leaves the log verifiable. None
 * showed a defect when written; they are kept so that none comes back.
 */
class FidFlushAndFieldEdgesAttackTest {
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    AuditedPolicyGateway rig;
    LoggedLines logged;

    @BeforeEach
    void start() throws Exception {
        logged = new LoggedLines("");
        rig = new AuditedPolicyGateway(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            rig.close();
            assertEquals(0, rig.logs.verify().exit(), rig.logs.verify().output());
        } finally {
            logged.close();
        }
        assertEquals(List.of(), logged.warnings(), "no warning or error line");
    }

    @Test
    void anInPlaceWalkOfSixteenNamesThatStopsAtTheNinthLeavesTheFidWhereItWas() throws Exception {
        Path deep = rig.policy.data;
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            deep = Files.createDirectories(deep.resolve("d" + i));
            names.add("d" + i);
        }
        names.add("missing");
        for (int i = 10; i <= 16; i++) {
            names.add("n" + i);
        }
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1);
            Qid root = guest.getattr(1, Attr.GETATTR_BASIC).qid();
            List<Qid> qids = guest.walk(1, 1, names.toArray(String[]::new));
            assertEquals(8, qids.size(), "the qids of the names that resolved");
            assertEquals(root.path(), guest.getattr(1, Attr.GETATTR_BASIC).qid().path(), "fid 1 did not move");
            assertEquals(
                    16,
                    guest.walk(1, 1, names.subList(0, 8).toArray(String[]::new)).size() * 2);
            assertEquals(
                    Files.getAttribute(deep, "unix:ino"),
                    guest.getattr(1, Attr.GETATTR_BASIC).qid().path(),
                    "a whole in-place walk moves the fid");
        }
    }

    @Test
    void aTremoveOfTheAttachFidNeverRemovesTheShareRoot() throws Exception {
        Path data = rig.policy.data;
        try (P9Client guest = rig.alpha();
                P9Client second = rig.alpha()) {
            for (String name : List.of("notes.txt", "base/map.db", "secret/key")) {
                Files.delete(data.resolve(name));
            }
            for (String name : List.of("base", "secret", "cache")) {
                Files.delete(data.resolve(name));
            }
            Errno refused = errno(() -> {
                guest.remove(0);
                return null;
            });
            assertTrue(refused != null && refused != Errno.EIO, "refused with an errno: " + refused);
            assertTrue(Files.isDirectory(data), "the share root is still there");
            assertEquals(Errno.EBADF, errno(() -> guest.getattr(0, Attr.GETATTR_BASIC)), "Tremove clunks");
            guest.attach(0, "root", "data", 0);
            guest.walk(0, 1);
            guest.lcreate(1, "after", O_RDWR, 0644, 0);
            second.walk(0, 2, "after");
        }
    }

    /** Without a hidden name in the share root, the host's rmdir is never tried on the root: EBUSY, recorded. */
    @Test
    void aTremoveOfTheAttachFidOfAnEmptyShareWithoutHiddenNamesIsEbusy() throws Exception {
        Path data = rig.policy.data;
        Files.writeString(rig.policy.policyFile, rig.policy.policy("").replace("hidden: [/secret]", "hidden: []"));
        rig.holder.reload();
        for (String name : List.of("notes.txt", "base/map.db", "secret/key")) {
            Files.delete(data.resolve(name));
        }
        for (String name : List.of("base", "secret", "cache")) {
            Files.delete(data.resolve(name));
        }
        try (P9Client guest = rig.alpha()) {
            assertEquals(Errno.EBUSY, errno(() -> {
                guest.remove(0);
                return null;
            }));
            assertTrue(Files.isDirectory(data), "the share root is still there");
        }
        rig.close();
        var removes =
                rig.logs.records().stream().filter(r -> "remove".equals(r.op())).toList();
        assertEquals(Integer.valueOf(Errno.EBUSY.code()), removes.getLast().errno(), removes.toString());
    }

    @Test
    void countsOfZeroAndOneAreAnsweredAndGetattrAnswersOnlyDefinedBits() throws Exception {
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "notes.txt");
            guest.lopen(1, O_RDWR);
            assertEquals(0, guest.read(1, 0, 0).length);
            assertEquals(1, guest.read(1, 0, 1).length);
            assertEquals(0, guest.write(1, 0, new byte[0]));
            guest.walk(0, 2);
            guest.lopen(2, O_RDONLY);
            for (int count : new int[] {0, 1, 24}) {
                Errno e = errno(() -> guest.readdir(2, 0, count));
                assertTrue(e != Errno.EIO, "Treaddir count " + count + ": " + e);
            }
            Attr all = guest.getattr(1, -1L);
            assertEquals(0, all.valid() & ~0x3fffL, "only bits 9P2000.L defines: " + Long.toHexString(all.valid()));
        }
    }

    @Test
    void timeSetBitsWithoutTheirTimeBitChangeNoTime() throws Exception {
        Path notes = rig.policy.data.resolve("notes.txt");
        FileTime atime = (FileTime) Files.getAttribute(notes, "lastAccessTime");
        FileTime mtime = Files.getLastModifiedTime(notes);
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "notes.txt");
            Errno e = errno(() -> {
                guest.setattr(
                        1,
                        new SetAttr(
                                SetAttr.SETATTR_ATIME_SET | SetAttr.SETATTR_MTIME_SET, 0, 0, 0, 0, 1000, 0, 2000, 0));
                return null;
            });
            assertTrue(e != Errno.EIO, "answered: " + e);
        }
        assertEquals(atime, Files.getAttribute(notes, "lastAccessTime"));
        assertEquals(mtime, Files.getLastModifiedTime(notes));
    }

    @Test
    void symlinkTargetsAtThePathLimitAndOfASlashAlone() throws Exception {
        String longest = "a".repeat(4095);
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1);
            guest.symlink(1, "longest", longest, 0);
            guest.symlink(1, "slash", "/", 0);
            assertEquals(
                    Errno.ENAMETOOLONG, errno(() -> guest.symlink(1, "over", "b".repeat(4096), 0)), "past PATH_MAX");
            assertEquals(Errno.ENAMETOOLONG, errno(() -> guest.symlink(1, "far", "c".repeat(60000), 0)));
            guest.walk(0, 2, "longest");
            assertEquals(longest, guest.readlink(2));
            guest.walk(0, 3, "slash");
            assertEquals("/", guest.readlink(3));
            assertEquals(1, guest.walk(0, 4, "slash", "etc").size(), "never followed: stops at the link");
            assertEquals(Errno.EBADF, errno(() -> guest.getattr(4, Attr.GETATTR_BASIC)));
        }
        assertTrue(Files.isSymbolicLink(rig.policy.data.resolve("slash")));
        assertTrue(Files.notExists(rig.policy.data.resolve("over"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aStringOfLength65535RunningPastTheFrameIsAnErrnoAndTheConnectionServes() throws Exception {
        try (P9Client guest = rig.alpha()) {
            // Twalk fid 0 newfid 1, one name whose length says 65535 but the frame ends after 3 bytes.
            ByteBuf frame = Unpooled.buffer();
            frame.writeIntLE(7 + 4 + 4 + 2 + 2 + 3).writeByte(110).writeShortLE(5);
            frame.writeIntLE(0)
                    .writeIntLE(1)
                    .writeShortLE(1)
                    .writeShortLE(65535)
                    .writeBytes("abc".getBytes());
            P9Exception e = assertThrows(P9Exception.class, () -> guest.await(guest.sendRaw(5, frame)));
            assertEquals(Errno.EPROTO, e.errno());
            // Trailing bytes after a Tclunk's fid.
            ByteBuf trailing = Unpooled.buffer();
            trailing.writeIntLE(7 + 4 + 2)
                    .writeByte(120)
                    .writeShortLE(6)
                    .writeIntLE(0)
                    .writeShortLE(0);
            assertEquals(
                    Errno.EPROTO,
                    assertThrows(P9Exception.class, () -> guest.await(guest.sendRaw(6, trailing)))
                            .errno());
            guest.getattr(0, Attr.GETATTR_BASIC); // fid 0 not clunked
            guest.walk(0, 1, "notes.txt");
        }
    }

    @Test
    void aBlockingTlockOnAHeldFileIsAnsweredAtOnceAndItsFlushIsAnswered() throws Exception {
        try (P9Client holder = rig.alpha();
                P9Client waiter = rig.alpha()) {
            holder.walk(0, 1, "notes.txt");
            holder.lopen(1, O_RDWR);
            assertEquals(
                    LockConstants.LOCK_SUCCESS,
                    ((RMessage.Rlock) holder.rpc(new TMessage.Tlock(1, LockConstants.LOCK_TYPE_WRLCK, 0, 0, 0, 1, "h")))
                            .status());
            waiter.walk(0, 1, "notes.txt");
            waiter.lopen(1, O_RDWR);
            waiter.timeout(java.time.Duration.ofSeconds(5));
            var call = waiter.send(
                    new TMessage.Tlock(1, LockConstants.LOCK_TYPE_WRLCK, LockConstants.LOCK_FLAGS_BLOCK, 0, 0, 2, "w"));
            waiter.flush(call.tag());
            RMessage r = waiter.await(call);
            assertEquals(LockConstants.LOCK_BLOCKED, ((RMessage.Rlock) r).status());
            waiter.getattr(1, Attr.GETATTR_BASIC);
        }
    }

    @Test
    void flushedReadsAreAnsweredBeforeTheirRflushOrNeverAndAFlushStormIsAnswered() throws Exception {
        int pairs = 1500;
        int answered = 0;
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "notes.txt");
            guest.lopen(1, O_RDONLY);
            java.util.concurrent.atomic.AtomicInteger order = new java.util.concurrent.atomic.AtomicInteger();
            List<int[]> seen = new ArrayList<>();
            List<PendingCall> reads = new ArrayList<>();
            List<PendingCall> flushes = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                int[] at = {-1, -1};
                seen.add(at);
                PendingCall read = guest.send(new TMessage.Tread(1, 0, 5));
                read.reply().whenComplete((r, e) -> {
                    at[0] = order.incrementAndGet();
                    CodecBuffers.releasePayload(r);
                });
                PendingCall flush = guest.send(new TMessage.Tflush(read.tag()));
                flush.reply().whenComplete((r, e) -> at[1] = order.incrementAndGet());
                reads.add(read);
                flushes.add(flush);
            }
            for (PendingCall f : flushes) {
                assertInstanceOf(RMessage.Rflush.class, guest.await(f));
            }
            guest.getattr(1, Attr.GETATTR_BASIC); // every reply before this one has come
            for (int i = 0; i < pairs; i++) {
                int[] at = seen.get(i);
                assertTrue(at[1] > 0, "Rflush " + i);
                if (reads.get(i).reply().isDone()) {
                    answered++;
                    assertTrue(at[0] < at[1], "the read's reply came after its Rflush: " + i);
                }
            }
            for (int i = 0; i < 10_000; i++) {
                flushes.set(i % pairs, guest.send(new TMessage.Tflush(60_000 + i % 1000)));
                if (i % pairs == pairs - 1) {
                    for (PendingCall f : flushes) {
                        assertInstanceOf(RMessage.Rflush.class, guest.await(f));
                    }
                }
            }
            assertEquals("hello", new String(guest.read(1, 0, 5), StandardCharsets.UTF_8));
        }
        rig.close();
        long recorded = rig.logs.records().stream()
                .filter(r -> "alpha".equals(r.vm()) && "read".equals(r.op()))
                .count();
        assertEquals(answered + 1, recorded, "one record per answered read");
    }

    /**
     * Every 9P2000.L request with one byte after its fields: Rlerror EPROTO, nothing done on the host, no record, and
     * the connection serves on.
     */
    @Test
    void everyRequestWithATrailingByteIsEprotoAndChangesNothing() throws Exception {
        Path data = rig.policy.data;
        try (P9Client guest = rig.alpha()) {
            guest.walk(0, 1, "notes.txt");
            guest.lopen(1, O_RDWR);
            guest.walk(0, 2, "cache");
            List<TMessage> requests = List.of(
                    new TMessage.Tversion(65536, P9Client.VERSION),
                    new TMessage.Tauth(9, "root", "data", 0),
                    new TMessage.Tattach(9, TMessage.NOFID, "root", "data", 0),
                    new TMessage.Tflush(1234),
                    new TMessage.Twalk(0, 9, List.of("notes.txt")),
                    new TMessage.Tread(1, 0, 5),
                    new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer("XY".getBytes(StandardCharsets.UTF_8))),
                    new TMessage.Tclunk(1),
                    new TMessage.Tremove(1),
                    new TMessage.Tstatfs(0),
                    new TMessage.Tlopen(0, O_RDONLY),
                    new TMessage.Tlcreate(2, "made", O_RDWR, 0644, 0),
                    new TMessage.Tsymlink(2, "link", "target", 0),
                    new TMessage.Tmknod(2, "fifo", 010644, 0, 0, 0),
                    new TMessage.Trename(1, 2, "moved"),
                    new TMessage.Treadlink(1),
                    new TMessage.Tgetattr(1, Attr.GETATTR_BASIC),
                    new TMessage.Tsetattr(1, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0)),
                    new TMessage.Txattrwalk(1, 9, ""),
                    new TMessage.Txattrcreate(1, "user.x", 1, 0),
                    new TMessage.Treaddir(2, 0, 4096),
                    new TMessage.Tfsync(1, 0),
                    new TMessage.Tlock(1, LockConstants.LOCK_TYPE_WRLCK, 0, 0, 0, 1, "c"),
                    new TMessage.Tgetlock(1, LockConstants.LOCK_TYPE_WRLCK, 0, 0, 1, "c"),
                    new TMessage.Tlink(2, 1, "hard"),
                    new TMessage.Tmkdir(2, "dir", 0755, 0),
                    new TMessage.Trenameat(0, "notes.txt", 2, "moved"),
                    new TMessage.Tunlinkat(0, "notes.txt", 0));
            int tag = 100;
            for (TMessage request : requests) {
                ByteBuf wire = Unpooled.buffer();
                MessageEncoder.writeHeaderAndBody(new Frame(tag, request), wire);
                wire.writeByte(0);
                wire.setIntLE(0, wire.readableBytes());
                int t = tag++;
                P9Exception e = assertThrows(
                        P9Exception.class,
                        () -> guest.await(guest.sendRaw(t, wire)),
                        request.getClass().getSimpleName());
                assertEquals(Errno.EPROTO, e.errno(), request.getClass().getSimpleName());
            }
            assertEquals("hello", new String(guest.read(1, 0, 5), StandardCharsets.UTF_8), "fid 1 still open");
        }
        assertEquals("hello", Files.readString(data.resolve("notes.txt")));
        try (var listed = Files.list(data.resolve("cache"))) {
            assertEquals(List.of(), listed.toList(), "nothing made");
        }
    }

    private static Errno errno(ProtocolEdgeSweepAttackTest.Call call) throws IOException {
        return ProtocolEdgeSweepAttackTest.errno(call);
    }
}
