package io.p9gate.gateway.policyadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.fs.AccessPolicy;
import io.p9gate.gateway.fs.AccessRequest;
import io.p9gate.gateway.fs.Decision;
import io.p9gate.gateway.fs.EveryRequest;
import io.p9gate.gateway.fs.NoAudit;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.terms.OpKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 2: the policy question (OPEN_READ or OPEN_WRITE, XATTR_READ or OPEN_READ, ...) was parsed from the
 * human-readable detail GuardedFs writes for the audit record, so rewording a log string changed read-only
 * enforcement. Every request the gateway asks about is decided the same whatever its detail text says.
 */
class DecisionIgnoresDetailTest {
    @TempDir
    Path tmp;

    /** Every access request GuardedFs builds for the requests of {@link EveryRequest}, plus opens of each kind. */
    private List<AccessRequest> askedForEveryRequest() throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "content");
        List<AccessRequest> asked = new CopyOnWriteArrayList<>();
        AccessPolicy keep = request -> {
            asked.add(request);
            return Decision.allow(List.of("test"));
        };
        try (ShareServerFactory factory = new ShareServerFactory(Map.of("share", share), keep, new NoAudit());
                TestSession s = TestSession.attached(factory)) {
            for (EveryRequest.Step step : EveryRequest.steps()) {
                callQuietly(s, step.request()); // Tauth fails, and is still asked about
            }
            int fid = 20;
            for (int flags : new int[] {0, 1, 2, 01000, 02000, 04000000}) {
                s.walk(TestSession.ROOT, fid, "f");
                s.lopen(fid, flags);
                fid++;
            }
        }
        return asked;
    }

    private static void callQuietly(TestSession s, TMessage.FileRequest request) {
        try {
            s.call(request);
        } catch (P9Exception e) {
            // asked and refused: what matters is the question
        }
    }

    private static AccessRequest reworded(AccessRequest r, String detail) {
        return new AccessRequest(
                r.vm(), r.sessionId(), r.operation(), r.share(), r.paths(), r.uid(), r.gid(), r.args(), detail);
    }

    @Test
    void rewordingTheDetailTextChangesNoPolicyQuestion() throws Exception {
        List<AccessRequest> asked = askedForEveryRequest();
        for (AccessRequest request : asked) {
            var kind = OpKindMapping.of(request);
            for (String detail :
                    List.of("", "reworded " + request.detail(), "flags=0x0", "flags=0x2", "xattr user.a", "offset=0")) {
                assertEquals(
                        kind,
                        OpKindMapping.of(reworded(request, detail)),
                        request.operation() + " '" + request.detail() + "' reworded as '" + detail + "'");
            }
        }
        List<List<OpKind>> opens = asked.stream()
                .filter(r -> r.operation() == Operation.OPEN)
                .map(OpKindMapping::of)
                .toList();
        // The six Tlopens of f come last, O_RDONLY and O_WRONLY first.
        int lopens = opens.size() - 6;
        assertEquals(List.of(OpKind.OPEN_READ), opens.get(lopens), "Tlopen O_RDONLY of f");
        assertEquals(List.of(OpKind.OPEN_WRITE), opens.get(lopens + 1), "Tlopen O_WRONLY of f");
        assertEquals(
                List.of(OpKind.XATTR_READ),
                asked.stream()
                        .filter(r -> r.operation() == Operation.READ)
                        .map(OpKindMapping::of)
                        .toList()
                        .getLast(),
                "Tread on an xattr fid");
    }
}
