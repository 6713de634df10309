package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.LockConstants;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.RMessage;
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
 * One VM must not exhaust the heap through the lock table (R-ROB-2). A Tlock's client_id is a string of any length
 * up to msize, kept in the gateway-wide lock table with every range its owner holds; the lock budget counts
 * entries at about 256 bytes each. VM alpha takes read locks on one byte each of its open file, every one as a new
 * owner (proc_id i) whose client_id is 60,000 bytes: its default lock budget (8,192 entries with a 128 MiB heap)
 * lets it keep about 490 MB of client ids, and the gateway ran out of memory for every VM. The Linux client's
 * client_id is the guest's host name (at most 64 bytes); one longer than 255 bytes (HOST_NAME_MAX in POSIX) is
 * refused with EINVAL and recorded, a lock with an ordinary client_id is still taken, beta is served and SIGTERM
 * ends the process.
 */
class LockOwnerFloodAttackTest {
    private static final int LOCKS = 8_000;
    private static final int WINDOW = 200;
    private static final String LONG_ID = "x".repeat(60_000);

    @TempDir
    Path tmp;

    @Test
    void lockOwnersCannotPinTheHeapWithLongClientIds() throws Exception {
        try (BudgetAttackGateway gateway = BudgetAttackGateway.start(tmp, "128m", 0)) {
            Map<String, Integer> outcomes = new TreeMap<>();
            try (P9Client alpha = gateway.alpha()) {
                alpha.attach(0, "alpha", "data", 0);
                alpha.walk(0, 1, "notes.txt");
                alpha.lopen(1, 2); // O_RDWR
                for (int from = 0; from < LOCKS; from += WINDOW) {
                    List<PendingCall> calls = new ArrayList<>();
                    for (int i = from; i < Math.min(from + WINDOW, LOCKS); i++) {
                        calls.add(alpha.send(
                                new TMessage.Tlock(1, LockConstants.LOCK_TYPE_RDLCK, 0, i, 1, i, LONG_ID + i)));
                    }
                    for (PendingCall call : calls) {
                        try {
                            RMessage.Rlock lock = (RMessage.Rlock) alpha.await(call);
                            outcomes.merge("status " + lock.status(), 1, Integer::sum);
                        } catch (P9Exception e) {
                            outcomes.merge(e.errno().name(), 1, Integer::sum);
                        }
                    }
                }
                RMessage.Rlock ordinary = (RMessage.Rlock)
                        alpha.rpc(new TMessage.Tlock(1, LockConstants.LOCK_TYPE_RDLCK, 0, 0, 0, 1, "alpha-guest"));
                assertEquals(LockConstants.LOCK_SUCCESS, ordinary.status(), "an ordinary client_id still locks");
            } catch (IOException e) {
                throw new AssertionError(
                        "alpha's session stopped answering: " + e.getMessage() + "\n" + tail(gateway.output()), e);
            }
            assertEquals(Map.of("EINVAL", LOCKS), outcomes, "every over-long client_id is refused");
            assertEquals("beta's view", gateway.betaReadsItsFile(), "beta is served after the flood");
            assertTrue(gateway.isAlive(), tail(gateway.output()));
            assertTrue(
                    gateway.terminate(BudgetAttackGateway.PATIENCE),
                    "SIGTERM ends the gateway after the flood:\n" + tail(gateway.output()));
            List<AuditRecord> refused = gateway.audit.records().stream()
                    .filter(r -> "lock".equals(r.op()) && Integer.valueOf(22).equals(r.errno()))
                    .toList();
            assertTrue(!refused.isEmpty(), "the refusals are recorded");
        }
    }

    private static String tail(String output) {
        return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }
}
