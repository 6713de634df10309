package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 3: one VM must not exhaust the heap. VM alpha announces 6,000 extended attribute values of
 * 64 KiB (clone walk + Txattrcreate, never clunked: 375 MiB promised) to a gateway with a 256 MiB heap. Before
 * the budgets, OutOfMemoryError killed the worker and event-loop threads and the process stayed up answering
 * nothing, deaf to SIGTERM. Now alpha is refused by its pending-xattr budget, beta is served, SIGTERM ends it.
 */
class XattrMemoryAttackTest {
    private static final int PENDING = 6000;
    private static final int VALUE = 64 * 1024;
    private static final int WINDOW = 200;

    @TempDir
    Path tmp;

    private static void awaitAll(P9Client client, List<PendingCall> calls, Map<String, Integer> refusals)
            throws IOException {
        for (PendingCall call : calls) {
            try {
                client.await(call);
            } catch (P9Exception e) {
                refusals.merge(e.errno().name(), 1, Integer::sum);
            }
        }
    }

    @Test
    void pendingXattrsOfOneVmCannotExhaustAQuarterGigabyteHeap() throws Exception {
        try (BudgetAttackGateway gateway = BudgetAttackGateway.start(tmp, "256m", 0)) {
            Map<String, Integer> refusals = new TreeMap<>();
            try (P9Client alpha = gateway.alpha()) {
                alpha.attach(0, "alpha", "data", 0);
                for (int first = 1; first <= PENDING; first += WINDOW) {
                    int last = Math.min(first + WINDOW, PENDING + 1);
                    // Pipelined in two waves: a clone walk must have made its fid before Txattrcreate uses it.
                    List<PendingCall> walks = new ArrayList<>();
                    for (int fid = first; fid < last; fid++) {
                        walks.add(alpha.send(new TMessage.Twalk(0, fid, List.of())));
                    }
                    awaitAll(alpha, walks, refusals);
                    List<PendingCall> creates = new ArrayList<>();
                    for (int fid = first; fid < last; fid++) {
                        creates.add(alpha.send(new TMessage.Txattrcreate(fid, "user.flood", VALUE, 0)));
                    }
                    awaitAll(alpha, creates, refusals);
                }
            } catch (IOException e) {
                throw new AssertionError("alpha's session stopped answering: " + e.getMessage()
                        + "\n" + gateway.output(), e);
            }
            assertEquals(java.util.Set.of("ENOSPC"), refusals.keySet(),
                    "alpha is refused by its pending-xattr budget, and only by it: " + refusals);
            assertEquals("beta's view", gateway.betaReadsItsFile(), "beta is still served");
            assertTrue(gateway.isAlive(), gateway.output());
            assertTrue(gateway.terminate(BudgetAttackGateway.PATIENCE),
                    "SIGTERM ends the gateway after the flood:\n" + gateway.output());
            assertTrue(gateway.audit.records().stream().filter(AuditRecord::isDecision)
                            .anyMatch(r -> r.rules().contains("budget.xattr-bytes") && r.errno() == 28),
                    "the refusals are recorded as denials by the budget");
        }
    }
}
