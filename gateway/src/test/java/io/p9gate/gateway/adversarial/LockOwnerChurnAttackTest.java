package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * One VM must not exhaust the heap through the lock owners a fid remembers (R-ROB-2). A fid remembers each owner
 * (proc_id, client_id) that locked through it, so that its clunk releases their locks; the lock budget counts the
 * lock table's entries. An owner that unlocked holds no entry, but stayed in the fid's set until the clunk. VM
 * alpha, on one open fid, locks one byte as a new owner (a 255-byte client_id, the longest taken) and unlocks it,
 * 512 owners at a time, never holding more than 512 entries of its 3,072: each owner it ever used stayed in the
 * heap, about 400 bytes, without bound. Before the fix the gateway (48 MiB heap) ran out of memory after 183,503
 * locks and unlocks (OutOfMemoryError in its workers) and alpha's session stopped answering. At each lock a fid
 * forgets the owners that hold no lock on its file, so every lock and unlock succeeds, beta is served and SIGTERM
 * ends the process.
 */
class LockOwnerChurnAttackTest {
    private static final String CLIENT_ID = "c".repeat(255);
    private static final int WINDOW = 512;
    private static final int OWNERS = 400 * WINDOW;
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    @Test
    void ownersThatUnlockedAreNotKeptByTheFid() throws Exception {
        try (BudgetAttackGateway gateway = BudgetAttackGateway.start(tmp, "48m", 0)) {
            Map<String, Integer> outcomes = new TreeMap<>();
            try (P9Client alpha = gateway.alpha()) {
                alpha.attach(0, "alpha", "data", 0);
                alpha.walk(0, 1, "notes.txt");
                alpha.lopen(1, O_RDWR);
                for (int from = 0; from < OWNERS; from += WINDOW) {
                    round(alpha, from, LockConstants.LOCK_TYPE_RDLCK, outcomes);
                    round(alpha, from, LockConstants.LOCK_TYPE_UNLCK, outcomes);
                }
            } catch (IOException e) {
                throw new AssertionError(
                        "alpha's session stopped answering: " + e.getMessage() + " " + outcomes + "\n"
                                + tail(gateway.output()),
                        e);
            }
            assertEquals(Map.of("success", 2 * OWNERS), outcomes, "every lock and unlock succeeds");
            assertEquals("beta's view", gateway.betaReadsItsFile(), "beta is served after the churn");
            assertTrue(gateway.isAlive(), tail(gateway.output()));
            assertTrue(
                    gateway.terminate(BudgetAttackGateway.PATIENCE),
                    "SIGTERM ends the gateway after the churn:\n" + tail(gateway.output()));
        }
    }

    /** {@link #WINDOW} owners from {@code from} each lock (or unlock) byte 0, pipelined. */
    private static void round(P9Client alpha, int from, int type, Map<String, Integer> outcomes) throws IOException {
        List<PendingCall> calls = new ArrayList<>();
        for (int owner = from; owner < from + WINDOW; owner++) {
            calls.add(alpha.send(new TMessage.Tlock(1, type, 0, 0, 1, owner, CLIENT_ID)));
        }
        for (PendingCall call : calls) {
            String outcome;
            try {
                RMessage.Rlock reply = (RMessage.Rlock) alpha.await(call);
                outcome = reply.status() == LockConstants.LOCK_SUCCESS ? "success" : "status " + reply.status();
            } catch (P9Exception e) {
                outcome = e.errno().name();
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
    }

    private static String tail(String output) {
        return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }
}
