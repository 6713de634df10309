package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.AuditTrail;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.ops.TestSession;
import io.p9gate.gateway.proto.RMessage;
import io.p9gate.gateway.proto.TMessage;
import io.p9gate.gateway.wiring.ShareServerFactory;
import io.p9gate.policy.dialect.Dialect;
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
 * Red team (R-AUD-1, 9P2000 and 9P2000.u): a Tstat is the getattr's decision and record, shown as a stat(5) entry
 * whose name is the file's. The name was asked of the host again after the record, so a host rename between the
 * decision and that lookup gave an Rstat naming {@code g} for a record of {@code f}: the log said the guest was shown
 * one file, the guest saw another name. {@link LegacyErrorTextAttackTest} caught this only when the watcher happened
 * to lag; here the getattr's decision is held while the host renames the file, every time.
 */
class StatNameHostRenameAttackTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(
            value = Dialect.class,
            names = {"LEGACY", "U"})
    void theRstatNamesTheFileByThePathItsRecordNames(Dialect dialect) throws Exception {
        Path share = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(share.resolve("dir"));
        Files.writeString(share.resolve("dir/f"), "contents");
        HoldsOneDecision policy = new HoldsOneDecision(Operation.GETATTR);
        List<AuditEntry> records = new CopyOnWriteArrayList<>();
        AuditTrail audit = e -> {
            records.add(e);
            return records.size();
        };
        try (ShareServerFactory shares = TestSession.factory(share, policy, audit);
                TestSession s = TestSession.attached(shares, dialect)) {
            s.walk(TestSession.ROOT, 1, "dir", "f");
            int before = records.size();
            policy.armed.set(true);
            CompletableFuture<RMessage> stat = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.call(new TMessage.Tstat(1));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(policy.deciding.await(10, TimeUnit.SECONDS), "the Tstat reached its getattr's decision");
            Files.move(share.resolve("dir/f"), share.resolve("dir/g"));
            policy.released.countDown();
            RMessage.Rstat reply = (RMessage.Rstat) stat.get(10, TimeUnit.SECONDS);

            List<AuditEntry> ofStat = records.subList(before, records.size()).stream()
                    .filter(r -> r.request().operation() == Operation.GETATTR)
                    .toList();
            assertEquals(1, ofStat.size(), "one record of the Tstat: " + ofStat);
            String recorded = ofStat.getFirst().request().paths().getFirst();
            assertEquals("f", recorded.substring(recorded.lastIndexOf('/') + 1), "decided before the rename");
            assertEquals(
                    recorded.substring(recorded.lastIndexOf('/') + 1),
                    reply.stat().common().name(),
                    "the Rstat names the file its record names (" + recorded + ")");
        }
    }
}
