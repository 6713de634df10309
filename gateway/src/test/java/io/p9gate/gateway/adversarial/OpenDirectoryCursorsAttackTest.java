package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * R-ROB-2, resource bounds round 13: a VM holding 10,000 fids on one directory, each opened and holding a Treaddir
 * cursor, at the deployed {@code ulimit -n} (20,000, two VMs). Its {@code descriptors} budget refuses it with EMFILE
 * before the process's limit; the other VM still opens and reads its file, and the descriptors come back when the
 * VM's session ends (no defect: pins the bound with the host's own count, /proc/PID/fd). Measured: the 10,000 walks
 * (clones) take no descriptor, 9,428 opens did and 572 were EMFILE; the gateway held 9,545 descriptors (116 at start),
 * 116 again once alpha's session ended.
 */
class OpenDirectoryCursorsAttackTest {
    private static final int OPEN_FILES = 20_000;
    private static final int FIDS = 10_000;
    /** Requests in flight at once: a pipeline, within the client's tags. */
    private static final int WINDOW = 500;

    @TempDir
    Path tmp;

    @Test
    void tenThousandDirectoryCursorsStayWithinTheVmsDescriptors() throws Exception {
        try (BudgetAttackGateway gateway = BudgetAttackGateway.start(tmp, "256m", OPEN_FILES)) {
            long atStart = gateway.openDescriptors();
            P9Client alpha = gateway.alpha();
            alpha.attach(0, "alpha", "data", 0);
            int[] refused = new int[3];
            pipelined(alpha, fid -> new TMessage.Twalk(0, fid, List.of()), refused, 0);
            pipelined(alpha, fid -> new TMessage.Tlopen(fid, 0), refused, 1);
            pipelined(alpha, fid -> new TMessage.Treaddir(fid, 0, 64), refused, 2);
            long held = gateway.openDescriptors();
            System.out.printf(
                    "%d fids: walks refused %d, opens refused %d, readdirs failed %d; descriptors %d at start, %d"
                            + " held (ulimit -n %d)%n",
                    FIDS, refused[0], refused[1], refused[2], atStart, held, OPEN_FILES);
            assertTrue(refused[0] + refused[1] > 0, "alpha held " + FIDS + " open directories without a refusal");
            assertTrue(held < OPEN_FILES * 3 / 4, "alpha's descriptors stay within its half: " + held);
            assertEquals("beta's view", gateway.betaReadsItsFile(), "beta still opens and reads");
            alpha.close();
            long after = atStart;
            for (int i = 0; i < 100 && (after = gateway.openDescriptors()) > atStart + 16; i++) {
                Thread.sleep(100);
            }
            System.out.printf("descriptors after alpha's session ended: %d%n", after);
            assertTrue(after <= atStart + 16, "alpha's descriptors came back: " + after + " against " + atStart);
        }
    }

    /** Sends {@code request(fid)} for fids 1..FIDS, WINDOW in flight; counts EMFILE (and EBADF for unopened fids). */
    private static void pipelined(
            P9Client alpha, java.util.function.IntFunction<TMessage> request, int[] refused, int at) throws Exception {
        List<PendingCall> inFlight = new ArrayList<>();
        for (int fid = 1; fid <= FIDS; fid++) {
            inFlight.add(alpha.send(request.apply(fid)));
            if (inFlight.size() == WINDOW || fid == FIDS) {
                for (PendingCall call : inFlight) {
                    try {
                        alpha.await(call);
                    } catch (P9Exception e) {
                        assertTrue(
                                e.errno() == Errno.EMFILE || at > 0,
                                "only the descriptors budget refuses a walk: " + e.errno());
                        refused[at]++;
                    }
                }
                inFlight.clear();
            }
        }
    }
}
