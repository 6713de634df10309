package io.p9gate.gateway.auditing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.audit.read.AuditRecord;
import io.p9gate.audit.read.LogDirectory;
import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.EveryRequest;
import io.p9gate.gateway.fs.GatewayEvent;
import io.p9gate.gateway.fs.HostIds;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.ids.IdRange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FileServer requests through the real signed log: what each record says (R-AUD-1), that changes are refused
 * unrecorded when the log fails (R-AUD-4), and that the log verifies and a changed byte is caught (R-AUD-3).
 */
class SignedAuditTrailTest {
    static final String DIGEST = "sha256:test-policy";
    static final HostIds MAPPED = new HostIds(100000, 100001, true);

    /** Allows everything but {@link #denied}, stamping its digest and a mapping as a loaded policy would. */
    static final class StampingPolicy implements AccessPolicy {
        volatile Operation denied;
        volatile HostIds ids = MAPPED;

        @Override
        public Decision decide(AccessRequest request) {
            Decision d = request.operation() == denied
                    ? Decision.deny(Errno.EACCES, List.of("test-deny"))
                    : Decision.allow(List.of("test-allow"));
            return d.by(DIGEST, ids);
        }
    }

    @TempDir
    Path tmp;

    Path share;
    SignedLogs logs;
    SignedAuditTrail trail;
    final StampingPolicy policy = new StampingPolicy();
    ShareServerFactory factory;
    TestSession s;

    @BeforeEach
    void setUp() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "content");
        logs = SignedLogs.in(tmp);
        trail = logs.open();
        factory = TestSession.factory(share, policy, trail);
        s = TestSession.attached(factory);
    }

    @AfterEach
    void tearDown() throws Exception {
        s.close();
        factory.close();
        try {
            trail.close();
        } catch (io.p9gate.audit.AuditWriteException alreadyFailed) {
            // the fail-closed tests break the log on purpose
        }
    }

    private List<AuditRecord> closedLog() throws Exception {
        s.close();
        trail.close();
        return logs.records();
    }

    private static List<AuditRecord> decisions(List<AuditRecord> records, long session, int tag) {
        return records.stream()
                .filter(AuditRecord::isDecision)
                .filter(r -> r.session() == session && r.tag() == tag)
                .toList();
    }

    @Test
    void everyRequestTypeLeavesOneCompleteRecord() throws Exception {
        List<EveryRequest.Step> steps = EveryRequest.steps();
        for (EveryRequest.Step step : steps) {
            try {
                s.call(step.request());
            } catch (io.p9gate.gateway.proto.P9Exception expectedForAuth) {
                assertEquals(Operation.AUTH, step.op(), "only Tauth fails in the script");
            }
        }
        List<AuditRecord> records = closedLog();
        int tag = 2; // TestSession numbers tags from 1; tag 1 was the attach
        for (EveryRequest.Step step : steps) {
            List<AuditRecord> mine = decisions(records, s.sessionId, tag++);
            assertEquals(step.records(), mine.size(), "records for " + step.request() + ": " + mine);
            AuditRecord r = mine.getLast();
            assertEquals(step.request().type().name().substring(1).toLowerCase(Locale.ROOT), r.op());
            assertTrue(
                    r.detail().startsWith("action=" + step.op().name().toLowerCase(Locale.ROOT) + " share=share"),
                    r.detail());
            assertEquals("vm-test", r.vm());
            assertEquals("allow", r.decision());
            assertEquals(List.of("test-allow"), r.rules());
            assertEquals(DIGEST, r.policy());
            assertEquals(0L, r.guestUid(), "guest uid of " + step.request());
            assertTrue(r.guestGid() == 0 || r.guestGid() == 65534, "the request's gid, else nobody: " + r.guestGid());
            assertEquals(List.of(100000L, 100001L), List.of(r.hostUid(), r.hostGid()), "mapped ids");
            assertEquals(step.op() == Operation.AUTH ? Errno.ENOENT.code() : 0, r.errno());
        }
        AuditRecord walk = decisions(records, s.sessionId, 4).getFirst();
        assertEquals("/f", walk.path());
        AuditRecord read = decisions(records, s.sessionId, 6).getFirst();
        assertEquals(7L, read.bytes(), "bytes read");
        AuditRecord write = decisions(records, s.sessionId, 7).getFirst();
        assertEquals(1L, write.bytes(), "bytes written");
        assertTrue(write.detail().contains("phase=intent"), "a write is recorded before it happens: " + write);
        AuditRecord getattr = decisions(records, s.sessionId, 11).getFirst();
        assertEquals(null, getattr.bytes(), "metadata operations move no bytes");
        assertFalse(getattr.detail().contains("phase="), "a lookup is recorded after it happened");
        AuditRecord rename = records.stream()
                .filter(r -> "rename".equals(r.op()))
                .findFirst()
                .orElseThrow();
        assertEquals("/hard", rename.path());
        assertTrue(rename.detail().contains("to=/hard2"), rename.detail());
        assertTrue(records.stream().anyMatch(r -> "session_attach".equals(r.type()) && r.session() == s.sessionId));
        assertTrue(records.stream().anyMatch(r -> "session_close".equals(r.type()) && r.session() == s.sessionId));
        assertEquals("shutdown", records.get(records.size() - 2).type(), "shutdown, then the final checkpoint");
    }

    /**
     * Checks, when the guarded layer moves on, that a record the request must wait for is already on disk: the
     * intent of every change but a Twrite, and the record of an open for writing (which a Twrite acts through).
     */
    static final class DurabilityCheck implements io.p9gate.gateway.fs.AuditTrail {
        final SignedAuditTrail signed;
        final List<String> notDurable = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger intents = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger writeOpens = new java.util.concurrent.atomic.AtomicInteger();

        DurabilityCheck(SignedAuditTrail signed) {
            this.signed = signed;
        }

        @Override
        public long record(io.p9gate.gateway.fs.AuditEntry entry) throws io.p9gate.gateway.proto.P9Exception {
            long seq = signed.record(entry);
            Operation op = entry.request().operation();
            boolean intent = entry.phase() == io.p9gate.gateway.fs.RecordPhase.INTENT;
            if (intent) {
                intents.incrementAndGet();
            }
            boolean opensForWriting = op == Operation.OPEN
                    && entry.outcome().errno() == null
                    && entry.request().args() instanceof io.p9gate.gateway.fs.RequestArgs.Open(int flags)
                    && (flags & 3) != 0;
            if (opensForWriting) {
                writeOpens.incrementAndGet();
            }
            if ((intent && op != Operation.WRITE) || opensForWriting) {
                if (signed.log().durableRecords() <= seq) {
                    notDurable.add(op + " " + entry.phase() + " " + seq);
                }
            }
            return seq;
        }
    }

    /** Ids are u32: the overflow id (u32)-2 is recorded as 4294967294, not as the int -2 it is carried in. */
    @Test
    void idsAboveTwoToTheThirtyFirstAreRecordedUnsigned() throws Exception {
        int overflow = (int) IdRange.MAX_ID;
        policy.ids = new HostIds(overflow, overflow, false);
        s.call(new TMessage.Twalk(0, 1, List.of("f")));
        AuditRecord walk = decisions(closedLog(), s.sessionId, 2).getFirst();
        assertEquals(List.of(IdRange.MAX_ID, IdRange.MAX_ID), List.of(walk.hostUid(), walk.hostGid()));
    }

    @Test
    void everyIntentAndEveryOpenForWritingIsOnDiskBeforeTheRequestGoesOn() throws Exception {
        DurabilityCheck check = new DurabilityCheck(trail);
        try (ShareServerFactory checked = TestSession.factory(share, policy, check);
                TestSession session = TestSession.attached(checked)) {
            for (EveryRequest.Step step : EveryRequest.steps()) {
                try {
                    session.call(step.request());
                } catch (io.p9gate.gateway.proto.P9Exception expectedForAuth) {
                    assertEquals(Operation.AUTH, step.op());
                }
            }
        }
        assertTrue(check.intents.get() >= 8, "the script changes the host: " + check.intents.get() + " intents");
        assertTrue(check.writeOpens.get() >= 1, "the script opens a file for writing");
        assertEquals(List.of(), check.notDurable, "records only in the page cache when the request went on");
    }

    /**
     * A Twrite acts through an open whose record was on disk before the open was answered, so its own intent only
     * has to reach the kernel before the write (issue 11: a synced intent per Twrite made every write wait for a
     * disk flush); every other change's intent, and the open for writing, wait for the disk. A Tfsync through an
     * open for writing waits for its record on disk too, and with it for the writes' records before it: once the
     * guest's fsync returns, the writes it made durable are on disk in the log as well.
     */
    @Test
    void aWritesIntentIsWrittenAndTheOpenItActsThroughIsSynced() throws Exception {
        List<AuditObserver.WrittenRecord> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        trail.observe(seen::add);
        s.call(new TMessage.Twalk(0, 2, List.of("f")));
        s.call(new TMessage.Tlopen(2, 2)); // O_RDWR
        s.call(new TMessage.Twrite(2, 0, Unpooled.wrappedBuffer("x".getBytes(StandardCharsets.UTF_8))));
        s.call(new TMessage.Tfsync(2, 0));
        s.call(new TMessage.Twalk(0, 3, List.of("f")));
        s.call(new TMessage.Tlopen(3, 0)); // O_RDONLY
        s.call(new TMessage.Tfsync(3, 0));
        s.call(new TMessage.Tmkdir(0, "d", 0755, 0));
        java.util.Map<String, List<io.p9gate.audit.Durability>> byOp = new java.util.TreeMap<>();
        for (AuditObserver.WrittenRecord w : seen) {
            if (w.event() instanceof io.p9gate.audit.AuditEvent.Decision d) {
                byOp.computeIfAbsent(d.op(), k -> new java.util.ArrayList<>()).add(w.durability());
            }
        }
        assertEquals(
                List.of(io.p9gate.audit.Durability.SYNCED, io.p9gate.audit.Durability.WRITTEN),
                byOp.get("lopen"),
                "the open for writing waits for the disk, the read-only open does not: " + byOp);
        assertEquals(List.of(io.p9gate.audit.Durability.WRITTEN), byOp.get("write"), byOp.toString());
        assertEquals(
                List.of(io.p9gate.audit.Durability.SYNCED, io.p9gate.audit.Durability.SYNCED),
                byOp.get("fsync"),
                "a guest's fsync, through any fid, makes the writes' records durable too: " + byOp);
        assertEquals(List.of(io.p9gate.audit.Durability.SYNCED), byOp.get("mkdir"), byOp.toString());
    }

    /**
     * A write through an O_DSYNC (or O_SYNC) open returns once its data is on disk: its record must be too, or a
     * power cut could keep data the guest was told is durable and lose the record of writing it.
     */
    @Test
    void aWriteThroughAnODsyncOpenWaitsForItsRecordOnDisk() throws Exception {
        List<AuditObserver.WrittenRecord> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        trail.observe(seen::add);
        s.call(new TMessage.Twalk(0, 2, List.of("f")));
        s.call(new TMessage.Tlopen(2, 2 | 010000)); // O_RDWR | O_DSYNC
        s.call(new TMessage.Twrite(2, 0, Unpooled.wrappedBuffer("x".getBytes(StandardCharsets.UTF_8))));
        List<io.p9gate.audit.Durability> writes = seen.stream()
                .filter(w -> w.event() instanceof io.p9gate.audit.AuditEvent.Decision d && d.op().equals("write"))
                .map(AuditObserver.WrittenRecord::durability)
                .toList();
        assertEquals(List.of(io.p9gate.audit.Durability.SYNCED), writes);
    }

    @Test
    void denialsAreRecordedWithTheirErrnoAndRules() throws Exception {
        policy.denied = Operation.MKDIR;
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tmkdir(0, "d", 0755, 0)));
        AuditRecord r = decisions(closedLog(), s.sessionId, 2).getFirst();
        assertEquals("mkdir", r.op());
        assertEquals("/d", r.path());
        assertEquals("deny", r.decision());
        assertEquals(List.of("test-deny"), r.rules());
        assertEquals(13, r.errno());
        assertFalse(Files.exists(share.resolve("d")));
    }

    @Test
    void aFailedChangeHasItsIntentAndItsOutcome() throws Exception {
        assertEquals(Errno.EEXIST, s.fails(new TMessage.Tmkdir(0, "f", 0755, 0)));
        List<AuditRecord> both = decisions(closedLog(), s.sessionId, 2);
        assertEquals(2, both.size(), both.toString());
        assertEquals(0, both.get(0).errno());
        assertTrue(both.get(0).detail().endsWith("phase=intent"), both.get(0).detail());
        assertEquals(Errno.EEXIST.code(), both.get(1).errno());
        assertTrue(
                both.get(1)
                        .detail()
                        .endsWith("phase=outcome intent=" + both.get(0).seq()),
                both.get(1).detail());
    }

    @Test
    void withAFailingLogChangesLeaveTheHostUntouchedAndReplyEio() throws Exception {
        s.walk(0, 1, "f");
        s.lopen(1, 2); // O_RDWR, opened while the log still works
        // Every record gets its own segment; a directory where the next one must go makes the next write fail.
        trail.close();
        trail = SignedAuditTrail.open(logs.dir, logs.key, SignedLogs.options().withMaxSegmentBytes(100));
        factory.close();
        factory = TestSession.factory(share, policy, trail);
        s.close();
        s = TestSession.attached(factory);
        s.walk(0, 1, "f");
        s.lopen(1, 2);
        Files.createDirectory(LogDirectory.segmentFile(logs.dir, trail.log().size()));

        assertEquals(Errno.EIO, s.fails(new TMessage.Tlcreate(0, "new", 2, 0644, 0)), "record write fails");
        assertFalse(Files.exists(share.resolve("new")), "nothing created");
        assertFalse(trail.writable());
        assertEquals(
                Errno.EIO,
                s.fails(new TMessage.Twrite(1, 0, Unpooled.wrappedBuffer("XXXX".getBytes(StandardCharsets.UTF_8)))),
                "refused up front");
        assertEquals("content", Files.readString(share.resolve("f")), "nothing written");
        assertEquals(Errno.EIO, s.fails(new TMessage.Tunlinkat(0, "f", 0)));
        assertTrue(Files.exists(share.resolve("f")), "nothing removed");
        assertEquals(Errno.EIO, s.fails(new TMessage.Tgetattr(1, 0x3fff)), "nor is anything looked at");
    }

    @Test
    void theLogVerifiesAndOneChangedByteIsCaught() throws Exception {
        s.walk(0, 1, "f");
        s.lopen(1, 0);
        s.call(new TMessage.Tread(1, 0, 100));
        trail.lifecycle(new GatewayEvent.PolicyLoaded("sha256:p1", false, "file=policy.yaml"));
        List<AuditRecord> records = closedLog();
        AuditRecord load = records.stream()
                .filter(r -> "policy_load".equals(r.type()))
                .findFirst()
                .orElseThrow();
        assertEquals("sha256:p1", load.policy());

        SignedLogs.Verified clean = logs.verify();
        assertEquals(0, clean.exit(), clean.output());
        logs.flipOneByte();
        SignedLogs.Verified tampered = logs.verify();
        assertNotEquals(0, tampered.exit(), tampered.output());
        assertTrue(tampered.output().contains("MODIFIED"), tampered.output());
    }
}
