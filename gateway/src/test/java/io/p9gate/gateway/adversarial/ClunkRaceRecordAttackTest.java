package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.Attr;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A guest pipelines a Tclunk behind a Tread or Tgetattr of the same fid; the request's decision is held until the
 * clunk has been answered, so the clunk frees the fid (and closes its file) while the request is being decided. The
 * guest gets one answer for it, and the log holds one decision record for it that says that answer.
 */
class ClunkRaceRecordAttackTest {
    @TempDir
    Path tmp;

    enum Raced {
        READ,
        GETATTR
    }

    @ParameterizedTest
    @EnumSource(Raced.class)
    void aRequestWhoseFidIsClunkedWhileItIsDecidedIsRecordedAsAnswered(Raced raced) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.writeString(share.resolve("f"), "contents");
        Operation op = raced == Raced.READ ? Operation.READ : Operation.GETATTR;
        HoldsOneDecision policy = new HoldsOneDecision(op);
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        AuditTrail audit = e -> {
            records.add(e);
            return records.size();
        };
        try (ShareServerFactory shares = TestSession.factory(share, policy, audit);
                TestSession s = TestSession.attached(shares)) {
            s.walk(TestSession.ROOT, 1, "f");
            s.expect(RMessage.Rlopen.class, new TMessage.Tlopen(1, 0));
            int before = records.size();
            policy.armed.set(true);
            TMessage.FileRequest request =
                    raced == Raced.READ ? new TMessage.Tread(1, 0, 64) : new TMessage.Tgetattr(1, Attr.GETATTR_ALL);
            CompletableFuture<String> answered = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.call(request).getClass().getSimpleName() + " null";
                } catch (P9Exception e) {
                    return "Rlerror " + e.errno();
                }
            });
            assertTrue(policy.deciding.await(10, TimeUnit.SECONDS), "the request reached its decision");
            s.expect(RMessage.Rclunk.class, new TMessage.Tclunk(1));
            policy.released.countDown();
            String answer = answered.get(10, TimeUnit.SECONDS);

            List<String> recorded = records.subList(before, records.size()).stream()
                    .filter(r -> r.request().operation() == op)
                    .map(r -> r.decision().allowed() + " " + r.outcome().errno())
                    .toList();
            assertEquals("Rlerror EBADF", answer, "the fid's file was closed under the request");
            assertEquals(List.of("true EBADF"), recorded, "one record, with the errno the guest got");
        }
    }
}
