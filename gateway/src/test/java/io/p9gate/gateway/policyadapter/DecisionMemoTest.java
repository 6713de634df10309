package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.fs.RequestArgs;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.policy.PolicyEngine;
import io.p9gate.policy.PolicyHolder;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session's sequential Twrites or Treads on one fid ask the policy the same question one after another (issue 11:
 * bench/compare-diod.sh's @65536 rows, 16 outstanding, all served on the VM's loop): the answer of the question
 * before is reused when the engine and every part of the question are the same, and only then.
 */
class DecisionMemoTest {
    private static final int DECISIONS = 50_000;

    @TempDir
    Path tmp;

    /**
     * Not evaluated again: the same decision comes back, and deciding allocates next to nothing (an evaluation builds
     * the policy's path, the question, the verdict and the host ids: ~500 bytes, DecisionAllocationTest).
     */
    @Test
    void theSameQuestionAgainIsAnsweredWithoutEvaluatingIt() throws Exception {
        PolicyEngine engine = new PolicyFixture(tmp).holder().current();
        PolicyAccess access = new PolicyAccess(() -> engine);
        AccessRequest write = request(Operation.WRITE, "notes.txt", new RequestArgs.FileIo(0), 0);
        Decision first = access.decide(write);
        assertTrue(first.allowed(), first.toString());
        // Another offset of the same fid: the same question (the offset is not part of it).
        assertSame(first, access.decide(request(Operation.WRITE, "notes.txt", new RequestArgs.FileIo(65512), 0)));

        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < DECISIONS; i++) { // warm-up
            access.decide(write);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < DECISIONS; i++) {
            access.decide(write);
        }
        long perDecision = (threads.getCurrentThreadAllocatedBytes() - before) / DECISIONS;
        assertTrue(perDecision <= 64, "a repeated decision allocated " + perDecision + " bytes");
    }

    /** Any other kind, path, id or engine (a reload) is evaluated: the answer before is not reused for it. */
    @Test
    void anotherQuestionOrAReloadedPolicyIsEvaluated() throws Exception {
        PolicyFixture fx = new PolicyFixture(tmp);
        PolicyHolder holder = fx.holder();
        PolicyAccess access = new PolicyAccess(holder::current);
        AccessRequest write = request(Operation.WRITE, "notes.txt", new RequestArgs.FileIo(0), 0);
        Decision allowed = access.decide(write);
        assertTrue(allowed.allowed());

        Decision readOnly = access.decide(request(Operation.WRITE, "base/map.db", new RequestArgs.FileIo(0), 0));
        assertEquals(Errno.EROFS, readOnly.errno());
        assertTrue(access.decide(request(Operation.READ, "base/map.db", new RequestArgs.FileIo(0), 0))
                .allowed());
        Decision other = access.decide(request(Operation.WRITE, "notes.txt", new RequestArgs.FileIo(0), 7));
        assertEquals(100_007, other.hostIds().uid(), "the host ids of uid 7, not those of uid 0");
        assertEquals(100_000, access.decide(write).hostIds().uid());

        Files.writeString(fx.policyFile, fx.policy("").replace("read-only: [/base]", "read-only: [/base, /notes.txt]"));
        assertTrue(holder.reload() instanceof PolicyHolder.ReloadResult.Loaded, "reloaded");
        Decision after = access.decide(write);
        assertFalse(after.allowed(), "the reloaded policy makes notes.txt read-only: " + after);
        assertEquals(Errno.EROFS, after.errno());
        assertNotEquals(allowed.policyDigest(), after.policyDigest());
    }

    private static AccessRequest request(Operation op, String path, RequestArgs args, int uid) {
        return new AccessRequest("alpha", 1, op, "data", List.of(path), uid, uid, args, "");
    }
}
