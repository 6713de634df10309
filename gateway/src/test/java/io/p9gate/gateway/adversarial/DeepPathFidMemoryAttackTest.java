package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One VM must not exhaust the heap through the paths its fids remember (R-ROB-2). Every handle remembers its
 * share-relative path as a string of its own (so that a request is decided without asking the kernel), and the
 * fid budget counts about 1 KiB a fid. A guest chooses its depth: VM alpha makes 200 nested directories of
 * 255-byte names (a 51 KB path, beyond PATH_MAX) and walks the last name again and again into new fids, each
 * remembering the whole path: 6,000 such fids (within its budgets of 8,192 fids and about 9,400 descriptors under
 * {@code ulimit -n} 20,000) would hold 300 MB. Before the fix the gateway (128 MiB heap) ran out of memory and
 * 3,715 of the walks failed with EIO (with a 256 MiB heap and 400 levels alpha's session stopped answering after
 * 2,400 walks). What a VM's handles remember is now charged to it, up to its fid budget's share of the heap (1 KiB
 * a fid); past that a handle remembers nothing and asks the kernel where it is, so all of alpha's walks are
 * answered, beta is served and SIGTERM ends the process.
 */
class DeepPathFidMemoryAttackTest {
    private static final String LEVEL = "d".repeat(255);
    private static final int DEPTH = 200;
    private static final int WALKS = 6_000;
    private static final int WINDOW = 100;

    @TempDir
    Path tmp;

    /** Java's file API cannot delete a tree deeper than PATH_MAX; rm works one directory handle at a time. */
    @AfterEach
    void removeTheDeepTree() throws Exception {
        Process rm = new ProcessBuilder("rm", "-rf", tmp.resolve("shares").toString())
                .inheritIO()
                .start();
        assertEquals(0, rm.waitFor());
    }

    @Test
    void deepFidsCannotPinTheHeap() throws Exception {
        try (BudgetAttackGateway gateway = BudgetAttackGateway.start(tmp, "128m", 20_000)) {
            Map<String, Integer> refusals = new TreeMap<>();
            int answered = 0;
            try (P9Client alpha = gateway.alpha()) {
                alpha.attach(0, "alpha", "data", 0);
                int parent = 0;
                for (int level = 1; level < DEPTH; level++) {
                    alpha.mkdir(parent, LEVEL, 0755, 0);
                    alpha.walk(parent, level, LEVEL);
                    if (parent != 0) {
                        alpha.clunk(parent);
                    }
                    parent = level;
                }
                alpha.mkdir(parent, LEVEL, 0755, 0);

                int first = DEPTH + 1;
                for (int from = first; from < first + WALKS; from += WINDOW) {
                    List<PendingCall> calls = new ArrayList<>();
                    for (int fid = from; fid < Math.min(from + WINDOW, first + WALKS); fid++) {
                        calls.add(alpha.send(new TMessage.Twalk(parent, fid, List.of(LEVEL))));
                    }
                    for (PendingCall call : calls) {
                        try {
                            alpha.await(call);
                            answered++;
                        } catch (P9Exception e) {
                            refusals.merge(e.errno().name(), 1, Integer::sum);
                        }
                    }
                }
            } catch (IOException e) {
                throw new AssertionError(
                        "alpha's session stopped answering after " + answered + " walks: " + e.getMessage() + "\n"
                                + tail(gateway.output()),
                        e);
            }
            assertEquals(Map.of(), refusals, "alpha's walks are within its fid and descriptor budgets: " + refusals);
            assertEquals(WALKS, answered);
            assertEquals("beta's view", gateway.betaReadsItsFile(), "beta is served after the flood");
            assertTrue(gateway.isAlive(), tail(gateway.output()));
            assertTrue(
                    gateway.terminate(BudgetAttackGateway.PATIENCE),
                    "SIGTERM ends the gateway after the flood:\n" + tail(gateway.output()));
        }
    }

    private static String tail(String output) {
        return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }
}
