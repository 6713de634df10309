package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.Errno;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 2 (the budgets' half; DescriptorExhaustionAttackTest is the audit log's): one VM must not
 * exhaust the descriptors of all. VM alpha pipelines walks that each keep an O_PATH descriptor (a fid per file
 * handle) past the process limit ({@code ulimit -n 1024} here, 20,000 in the report). Before the budgets, the process ran out: beta's new connection was never accepted, and the audit log
 * could no longer open its checkpoint and segment files. Now alpha is refused with EMFILE by its own budget
 * (recorded as a denial, rule {@code budget.descriptors}), beta connects and works, and the log verifies.
 */
class DescriptorBudgetAttackTest {
    private static final int OPEN_FILES = 1024;
    private static final int WALKS = 1500;

    @TempDir
    Path tmp;

    @Test
    void oneVmCannotTakeTheDescriptorsOtherVmsAndTheAuditLogNeed() throws Exception {
        try (BudgetAttackGateway gateway = BudgetAttackGateway.start(tmp, "256m", OPEN_FILES);
                P9Client alpha = gateway.alpha()) {
            alpha.attach(0, "alpha", "data", 0);
            List<PendingCall> walks = new ArrayList<>();
            for (int i = 1; i <= WALKS; i++) {
                walks.add(alpha.send(new TMessage.Twalk(0, i, List.of("notes.txt"))));
            }
            int refused = 0;
            for (PendingCall walk : walks) {
                try {
                    alpha.await(walk);
                } catch (P9Exception e) {
                    assertEquals(Errno.EMFILE, e.errno(), "alpha is refused for lack of descriptors");
                    refused++;
                }
            }
            assertTrue(refused > 0, "alpha held " + WALKS + " descriptors under ulimit -n " + OPEN_FILES);

            assertEquals("beta's view", gateway.betaReadsItsFile(), "beta still connects and reads");
            // Past a checkpoint interval (1 s): signing one opens files, which must still be possible.
            Thread.sleep(1500);
            assertEquals("beta's view", gateway.betaReadsItsFile(), "the audit log still records");
            assertTrue(gateway.terminate(BudgetAttackGateway.PATIENCE), "SIGTERM ends the gateway");
            assertTrue(
                    gateway.audit.records().stream()
                            .filter(AuditRecord::isDecision)
                            .anyMatch(r -> r.rules().contains("budget.descriptors")),
                    "alpha's refusals are recorded as denials by its budget");
            var verified = gateway.audit.verify();
            assertEquals(0, verified.exit(), verified.output());
        }
    }
}
