package io.p9gate.gateway.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.SetAttr;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.proto.TMessage.FileRequest;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GuardedFs is the single choke point: one decision and one audit record per request (R-POL-2, R-AUD-1/4). */
class GuardedFsTest {
    record Recorded(AccessRequest request, Decision decision, Outcome outcome, RecordPhase phase) {}

    /** Allows everything except one operation; remembers every question. */
    static final class RecordingPolicy implements AccessPolicy {
        final List<AccessRequest> asked = new CopyOnWriteArrayList<>();
        volatile Operation denied;
        /** Run while deciding a request of {@link #meanwhileOf}: what another request of the guest does meanwhile. */
        volatile Operation meanwhileOf;

        volatile Runnable meanwhile;

        @Override
        public Decision decide(AccessRequest request) {
            asked.add(request);
            if (request.operation() == meanwhileOf) {
                meanwhileOf = null;
                meanwhile.run();
            }
            return request.operation() == denied
                    ? Decision.deny(Errno.EACCES, List.of("test-deny"))
                    : Decision.allow(List.of("test-allow"));
        }
    }

    static final class RecordingAudit implements AuditTrail {
        final List<Recorded> records = new CopyOnWriteArrayList<>();
        volatile Operation failing;
        volatile boolean broken;

        @Override
        public boolean writable() {
            return !broken;
        }

        /** Run as the record of a request of {@link #meanwhileOf} is written, before the request is answered. */
        volatile Operation meanwhileOf;

        volatile Runnable meanwhile;

        @Override
        public long record(AuditEntry entry) throws P9Exception {
            if (entry.request().operation() == meanwhileOf) {
                meanwhileOf = null;
                meanwhile.run();
            }
            if (entry.request().operation() == failing) {
                throw new P9Exception(Errno.EIO, "disk full");
            }
            records.add(new Recorded(entry.request(), entry.decision(), entry.outcome(), entry.phase()));
            return records.size() - 1;
        }
    }

    @TempDir
    Path tmp;

    Path share;
    final RecordingPolicy policy = new RecordingPolicy();
    final RecordingAudit audit = new RecordingAudit();
    ShareServerFactory factory;
    TestSession s;

    @BeforeEach
    void setUp() throws Exception {
        share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "content");
        factory = TestSession.factory(share, policy, audit);
        s = TestSession.attached(factory);
    }

    @AfterEach
    void tearDown() {
        s.close();
        factory.close();
    }

    /** Runs one request (success or failure) and checks it produced exactly one decision and one record. */
    private Recorded once(FileRequest request, Operation expected) {
        return once(request, expected, 1, 1);
    }

    private Recorded once(FileRequest request, Operation expected, int decisions, int records) {
        int asked = policy.asked.size();
        int recorded = audit.records.size();
        try {
            if (s.call(request) instanceof RMessage.Rread read) {
                read.data().release(); // the encoder would release it after writing
            }
        } catch (P9Exception e) {
            // failures are decided and recorded too
        }
        assertEquals(asked + decisions, policy.asked.size(), decisions + " decision(s) for " + request);
        assertEquals(recorded + records, audit.records.size(), records + " record(s) for " + request);
        Recorded r = audit.records.get(audit.records.size() - 1);
        assertEquals(expected, r.request().operation(), "operation of " + request);
        assertEquals(policy.asked.get(policy.asked.size() - 1), r.request());
        assertEquals("vm-test", r.request().vm());
        assertEquals("share", r.request().share());
        return r;
    }

    private static io.netty.buffer.ByteBuf bytes(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyRequestTypeIsDecidedAndRecordedExactlyOnce() throws Exception {
        Set<Class<?>> covered = new HashSet<>();
        List<FileRequest> script = new ArrayList<>();
        List<EveryRequest.Step> steps = EveryRequest.steps();
        for (EveryRequest.Step step : steps) {
            Recorded r = once(step.request(), step.op(), step.decisions(), step.records());
            covered.add(step.request().getClass());
            script.add(step.request());
            if (step.op() != Operation.AUTH) {
                assertNull(r.outcome().errno(), "outcome of " + step.request() + ": " + r.outcome());
            }
        }
        Set<Class<?>> all =
                Arrays.stream(FileRequest.class.getPermittedSubclasses()).collect(Collectors.toSet());
        assertEquals(all, covered, "every FileRequest type is exercised");
        Recorded read = audit.records.stream()
                .filter(r -> r.request().operation() == Operation.READ)
                .findFirst()
                .orElseThrow();
        assertEquals(7, read.outcome().bytes(), "byte counts are recorded");
        Recorded auth = audit.records.stream()
                .filter(r -> r.request().operation() == Operation.AUTH)
                .findFirst()
                .orElseThrow();
        assertEquals(Errno.ENOENT, auth.outcome().errno());
        assertEquals("v", new String(readUserXattr(), StandardCharsets.UTF_8), "the committed xattr reached the file");
        assertTrue(script.size() >= all.size());
    }

    /**
     * A Tremove through a fid Txattrcreate made, its value written, removes the file: one request, one REMOVE
     * decision and record. The value is not set (the file it was for goes; the removal's is the one decision), and
     * the record says so: the log held the value's writes and nothing of where the value went.
     */
    @Test
    void aTremoveOfAnXattrValueBeingWrittenRemovesTheFileAndRecordsTheValueDropped() throws Exception {
        s.walk(TestSession.ROOT, 1, "f");
        s.expect(RMessage.Rxattrcreate.class, new TMessage.Txattrcreate(1, "user.k", 1, 0));
        s.write(1, 0, "v".getBytes(StandardCharsets.UTF_8));

        Recorded removal = once(new TMessage.Tremove(1), Operation.REMOVE);

        assertNull(removal.outcome().errno());
        assertEquals(List.of("f"), removal.request().paths());
        assertTrue(
                removal.request().detail().contains("dropped_xattr=user.k"),
                "the record says the value was not set: " + removal.request().detail());
        assertFalse(Files.exists(share.resolve("f")));
    }

    private byte[] readUserXattr() throws Exception {
        var view = Files.getFileAttributeView(
                share.resolve("f"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(view.size("a"));
        view.read("a", buf);
        return buf.array();
    }

    @Test
    void walkDecisionNamesEveryIntermediatePath() throws Exception {
        Files.createDirectories(share.resolve("a/b"));
        Recorded r =
                once(new TMessage.Twalk(0, 1, List.of("a", "b", "..", "b", ".", "..", "..", "..")), Operation.WALK);
        assertEquals(
                List.of("a", "a/b", "a", "a/b", "a/b", "a", "", ""), r.request().paths());
        Recorded rename = once(new TMessage.Trenameat(0, "f", 1, "g"), Operation.RENAME);
        assertEquals(List.of("f", "g"), rename.request().paths());
    }

    @Test
    void requestsRefusedBeforeAnyWorkAreNotDecided() throws Exception {
        s.walk(0, 1, "f");
        int asked = policy.asked.size();
        int recorded = audit.records.size();
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Twalk(0, 1, List.of("f"))));
        assertEquals(Errno.EINVAL, s.fails(new TMessage.Tattach(1, TMessage.NOFID, "", "share", 0)));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(99, 0)));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tread(1, 0, 10)), "not open");
        assertEquals(asked, policy.asked.size(), "protocol errors never reach the policy");
        assertEquals(recorded, audit.records.size(), "nor the audit trail");
    }

    @Test
    void anOpenOfAFileAsADirectoryIsADecidedOpenThatFails() throws Exception {
        s.walk(0, 1, "f");
        Recorded r = once(new TMessage.Tlopen(1, 0200000), Operation.OPEN); // O_DIRECTORY
        assertTrue(r.decision().allowed());
        assertEquals(Errno.ENOTDIR, r.outcome().errno());
    }

    @Test
    void aDenialStopsTheBackendCallAndIsRecorded() throws Exception {
        s.walk(0, 1, "f");
        s.lopen(1, 2);
        policy.denied = Operation.WRITE;
        Recorded w = once(new TMessage.Twrite(1, 0, bytes("XXXX")), Operation.WRITE);
        assertFalse(w.decision().allowed());
        assertEquals(Errno.EACCES, w.outcome().errno());
        assertEquals(List.of("test-deny"), w.decision().ruleIds());
        assertEquals("content", Files.readString(share.resolve("f")));

        policy.denied = Operation.MKDIR;
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tmkdir(0, "d", 0755, 0)));
        assertFalse(Files.exists(share.resolve("d")));

        policy.denied = Operation.REMOVE;
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tunlinkat(0, "f", 0)));
        assertEquals(Errno.EACCES, s.fails(new TMessage.Tremove(1)));
        assertTrue(Files.exists(share.resolve("f")));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(1, 0)), "a denied remove still clunks");

        policy.denied = Operation.WALK;
        assertEquals(Errno.EACCES, s.fails(new TMessage.Twalk(0, 2, List.of("f"))));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(2, 0)), "no fid after a denied walk");

        policy.denied = Operation.SETATTR;
        s.walk(0, 3, "f");
        assertEquals(
                Errno.EACCES,
                s.fails(new TMessage.Tsetattr(3, new SetAttr(SetAttr.SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0))));
        assertEquals(7, Files.size(share.resolve("f")));
    }

    /**
     * A Tclunk of {@code fid} served while a Tlcreate is decided (its directory stays open through fid 0), or while a
     * Tlopen's record is written (after the host open: before it, the clunk closes the handle the open needs): the
     * request's record says what the guest got: EBADF if the clunk came first, else the open or create (the clunk
     * then closed what it opened).
     */
    private Errno openedWhileClunked(TMessage.FileRequest open, Operation op, int fid) {
        Runnable clunk = () -> assertEquals(
                RMessage.Rclunk.class, call(new TMessage.Tclunk(fid)).getClass());
        Meanwhile[] clunking = new Meanwhile[1];
        if (op == Operation.OPEN) {
            // After the claim: the clunk waits for the open to settle its fid (OpenClaimClunkTest), on its own thread.
            audit.meanwhile = () -> clunking[0] = Meanwhile.start(clunk);
            audit.meanwhileOf = op;
        } else {
            policy.meanwhile = clunk;
            policy.meanwhileOf = op;
        }
        Errno errno;
        try {
            s.call(open);
            errno = null;
        } catch (P9Exception e) {
            errno = e.errno();
        }
        assertNull(op == Operation.OPEN ? audit.meanwhileOf : policy.meanwhileOf, "the clunk came meanwhile");
        if (clunking[0] != null) {
            try {
                clunking[0].join();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        Recorded last = audit.records.stream()
                .filter(r -> r.request().operation() == op)
                .reduce((a, b) -> b)
                .orElseThrow();
        assertEquals(errno, last.outcome().errno(), "the record of " + open + " says what the guest got");
        return errno;
    }

    private RMessage call(TMessage.FileRequest request) {
        try {
            return s.call(request);
        } catch (P9Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anOpenWhoseFidIsClunkedMeanwhileIsRecordedAsFailed() throws Exception {
        s.walk(0, 1, "f");
        openedWhileClunked(new TMessage.Tlopen(1, 0), Operation.OPEN, 1);
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(1, 0)), "the clunk removed the fid either way");
        s.walk(0, 3);
        assertEquals(
                Errno.EBADF, openedWhileClunked(new TMessage.Tlcreate(3, "new", 02, 0644, 0), Operation.CREATE, 3));
        assertEquals(RecordPhase.OUTCOME, audit.records.getLast().phase(), "the create's intent, then its outcome");
        // The file was made before the claim failed: the outcome says so, the log must not deny what the host keeps.
        assertTrue(Files.exists(share.resolve("new")));
        assertTrue(
                audit.records.getLast().request().detail().contains("applied=created"),
                audit.records.getLast().request().detail());
        s.walk(0, 4, "f");
        s.lopen(4, 0);
        assertEquals("content", Files.readString(share.resolve("f")));
    }

    /**
     * A Twalk or Txattrwalk with newfid == fid installs its result in place of the fid it walks from: a Tclunk of that
     * fid served as the walk's record is written comes after the walk's claim of its fid (inside the guarded call),
     * so the walk succeeded, as its record says, and the clunk then removed what it installed; before the fix the
     * record said the walk succeeded while the guest got EBADF.
     */
    @Test
    void aWalkInPlaceWhoseFidIsClunkedAsItIsRecordedIsAnsweredAsRecorded() throws Exception {
        s.walk(0, 2);
        assertEquals(
                RMessage.Rwalk.class, walkedWhileClunked(new TMessage.Twalk(2, 2, List.of("f")), Operation.WALK, 2));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(2, 0)), "the clunk removed the fid");
        s.walk(0, 3, "f");
        assertEquals(
                RMessage.Rxattrwalk.class,
                walkedWhileClunked(new TMessage.Txattrwalk(3, 3, ""), Operation.XATTR_LIST, 3));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(3, 0)), "the clunk removed the fid");
        // Clunked while the walk is decided (a clone of the root: its descriptor stays open): before the claim.
        s.walk(0, 4);
        assertEquals(
                P9Exception.class,
                walkedWhileClunked(new TMessage.Twalk(4, 4, List.of("f")), Operation.WALK, 4, false));
        s.walk(0, 5);
        assertEquals(
                P9Exception.class,
                walkedWhileClunked(new TMessage.Txattrwalk(5, 5, ""), Operation.XATTR_LIST, 5, false));
        s.walk(0, 6);
        s.walk(6, 6, "f");
        assertEquals("content", Files.readString(share.resolve("f")));
    }

    private Class<?> walkedWhileClunked(TMessage.FileRequest walk, Operation op, int fid) {
        return walkedWhileClunked(walk, op, fid, true);
    }

    /**
     * Runs {@code walk}, clunking {@code fid} as its record is written ({@code atRecord}) or while it is decided;
     * the record must say what the guest got. Returns the reply's class, or P9Exception's.
     */
    private Class<?> walkedWhileClunked(TMessage.FileRequest walk, Operation op, int fid, boolean atRecord) {
        Runnable clunk = () -> assertEquals(
                RMessage.Rclunk.class, call(new TMessage.Tclunk(fid)).getClass());
        Meanwhile[] clunking = new Meanwhile[1];
        if (atRecord) {
            // After the claim: the clunk waits for the walk to settle its fid, on its own thread.
            audit.meanwhile = () -> clunking[0] = Meanwhile.start(clunk);
            audit.meanwhileOf = op;
        } else {
            policy.meanwhile = clunk;
            policy.meanwhileOf = op;
        }
        Class<?> got;
        Errno errno;
        try {
            got = s.call(walk).getClass();
            errno = null;
        } catch (P9Exception e) {
            got = P9Exception.class;
            errno = e.errno();
        }
        assertNull(atRecord ? audit.meanwhileOf : policy.meanwhileOf, "the clunk came meanwhile");
        if (clunking[0] != null) {
            try {
                clunking[0].join();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        Recorded last = audit.records.stream()
                .filter(r -> r.request().operation() == op)
                .reduce((a, b) -> b)
                .orElseThrow();
        assertEquals(errno, last.outcome().errno(), "the record of " + walk + " says what the guest got");
        return got;
    }

    @Test
    void aFailingAuditTrailFailsTheRequestWithEio() throws Exception {
        audit.failing = Operation.WALK;
        assertEquals(Errno.EIO, s.fails(new TMessage.Twalk(0, 1, List.of("f"))));
        assertEquals(Errno.EBADF, s.fails(new TMessage.Tgetattr(1, 0)), "an unrecorded walk installs no fid");
        audit.failing = Operation.READ;
        s.walk(0, 2, "f");
        s.lopen(2, 0);
        assertEquals(Errno.EIO, s.fails(new TMessage.Tread(2, 0, 10)));
    }

    @Test
    void aChangeIsRecordedBeforeItHappensAndAFailedOneGetsItsOutcome() throws Exception {
        int before = audit.records.size();
        s.call(new TMessage.Tmkdir(0, "d", 0755, 0));
        assertEquals(RecordPhase.INTENT, audit.records.getLast().phase());
        assertEquals(before + 1, audit.records.size(), "a successful change: one record");
        assertEquals(Errno.EEXIST, s.fails(new TMessage.Tmkdir(0, "d", 0755, 0)));
        List<Recorded> failed = audit.records.subList(before + 1, audit.records.size());
        assertEquals(
                List.of(RecordPhase.INTENT, RecordPhase.OUTCOME),
                failed.stream().map(Recorded::phase).toList());
        assertEquals(Errno.EEXIST, failed.getLast().outcome().errno());
        s.call(new TMessage.Tgetattr(0, 0x3fff));
        assertEquals(RecordPhase.DONE, audit.records.getLast().phase(), "a lookup is recorded once it is done");
    }

    @Test
    void aTrailThatCannotRecordRefusesBeforeThePolicyOrTheHostIsAsked() throws Exception {
        s.walk(0, 1, "f");
        int asked = policy.asked.size();
        int recorded = audit.records.size();
        audit.broken = true;
        assertEquals(Errno.EIO, s.fails(new TMessage.Tgetattr(1, 0x3fff)));
        assertEquals(Errno.EIO, s.fails(new TMessage.Tunlinkat(0, "f", 0)));
        assertEquals(asked, policy.asked.size(), "the policy is not asked");
        assertEquals(recorded, audit.records.size(), "nothing is recorded");
        assertTrue(Files.exists(share.resolve("f")));
    }

    @Test
    void aThrowingPolicyDeniesWithEio() throws Exception {
        try (ShareServerFactory broken = TestSession.factory(
                        share,
                        r -> {
                            throw new IllegalStateException("engine down");
                        },
                        audit);
                TestSession t = TestSession.open(broken)) {
            P9Exception e = assertThrows(
                    P9Exception.class, () -> t.call(new TMessage.Tattach(0, TMessage.NOFID, "", "share", 0)));
            assertEquals(Errno.EIO, e.errno());
            assertEquals(
                    List.of("policy-error"),
                    audit.records.get(audit.records.size() - 1).decision().ruleIds());
        }
    }

    /**
     * A policy that fails to decide is refused by the gateway itself, yet its record named the guest's ids as the host
     * ids (guest root as host root, R-AUD-1) beside the decided records naming the VM's mapped ones.
     */
    @Test
    void aThrowingPolicysRefusalNamesTheHostIdsTheMapGives() throws Exception {
        AccessPolicy throwing = new AccessPolicy() {
            @Override
            public Decision decide(AccessRequest request) {
                throw new IllegalStateException("engine down");
            }

            @Override
            public HostIds hostIds(String vm, int uid, int gid) {
                return new HostIds(100000 + uid, 100000 + gid, true);
            }
        };
        try (ShareServerFactory broken = TestSession.factory(share, throwing, audit);
                TestSession t = TestSession.open(broken)) {
            assertEquals(
                    Errno.EIO,
                    assertThrows(
                                    P9Exception.class,
                                    () -> t.call(new TMessage.Tattach(0, TMessage.NOFID, "", "share", 0)))
                            .errno());
            assertEquals(
                    new HostIds(100000, 165534, true),
                    audit.records.get(audit.records.size() - 1).decision().hostIds());
        }
    }
}
