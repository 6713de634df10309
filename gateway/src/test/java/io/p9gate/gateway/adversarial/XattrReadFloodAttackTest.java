package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p9gate.audit.read.AuditRecord;
import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.client.PendingCall;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.TMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One VM must not exhaust the heap by reading extended attributes (R-ROB-2). A Txattrwalk makes a fid that holds
 * the whole value in the gateway's heap until it is clunked, but only the fid was counted (a fid budget assumes
 * about 1 KiB a fid); the value was charged to nothing. VM alpha sets a 64 KiB {@code user.big} on its file (on
 * tmpfs, which takes values that large, as xfs and btrfs do), then pipelines Txattrwalks of it into new fids it
 * never clunks: its fid budget alone lets it pin 16,384 × 64 KiB = 1 GiB in a gateway with a 256 MiB heap, which
 * ran the gateway out of memory for every VM. Held values are charged to the VM's xattr-bytes budget, as announced
 * ones are: past it the Txattrwalk is refused (ENOMEM, recorded as a denial by {@code budget.xattr-bytes}), beta
 * is still served and SIGTERM ends the process.
 */
class XattrReadFloodAttackTest {
    private static final int VALUE = 64 * 1024;
    private static final int WALKS = 16_000;
    private static final int WINDOW = 200;

    private Path tmp;

    @BeforeEach
    void onTmpfs() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "needs /dev/shm");
        tmp = Files.createTempDirectory(shm, "p9gate-xattr-flood");
        Path probe = Files.createFile(tmp.resolve("probe"));
        try {
            Files.getFileAttributeView(probe, UserDefinedFileAttributeView.class)
                    .write("user.probe", ByteBuffer.wrap(new byte[VALUE]));
        } catch (IOException | UnsupportedOperationException e) {
            assumeTrue(false, "/dev/shm takes no 64 KiB user xattr: " + e);
        } finally {
            Files.delete(probe);
        }
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (tmp != null) {
            try (Stream<Path> all = Files.walk(tmp)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void heldXattrValuesAreChargedToTheVmsBudget() throws Exception {
        try (BudgetAttackGateway gateway = BudgetAttackGateway.start(tmp, "256m", 0)) {
            Map<String, Integer> refusals = new TreeMap<>();
            try (P9Client alpha = gateway.alpha()) {
                alpha.attach(0, "alpha", "data", 0);
                alpha.walk(0, 1, "notes.txt");
                alpha.rpc(new TMessage.Txattrcreate(1, "user.big", VALUE, 0));
                assertEquals(VALUE, alpha.write(1, 0, new byte[VALUE]));
                alpha.clunk(1);
                alpha.walk(0, 1, "notes.txt");

                for (int from = 2; from < 2 + WALKS; from += WINDOW) {
                    List<PendingCall> calls = new ArrayList<>();
                    for (int fid = from; fid < Math.min(from + WINDOW, 2 + WALKS); fid++) {
                        calls.add(alpha.send(new TMessage.Txattrwalk(1, fid, "user.big")));
                    }
                    for (PendingCall call : calls) {
                        try {
                            alpha.await(call);
                        } catch (P9Exception e) {
                            refusals.merge(e.errno().name(), 1, Integer::sum);
                        }
                    }
                }
            } catch (IOException e) {
                throw new AssertionError(
                        "alpha's session stopped answering: " + e.getMessage() + "\n" + tail(gateway.output()), e);
            }
            assertEquals(
                    Set.of("ENOMEM"),
                    refusals.keySet(),
                    "alpha is refused by its xattr budget, and only by it: " + refusals);
            assertEquals("beta's view", gateway.betaReadsItsFile(), "beta is served after the flood");
            assertTrue(gateway.isAlive(), tail(gateway.output()));
            assertTrue(
                    gateway.terminate(BudgetAttackGateway.PATIENCE),
                    "SIGTERM ends the gateway after the flood:\n" + tail(gateway.output()));
            List<AuditRecord> denials = gateway.audit.records().stream()
                    .filter(AuditRecord::isDecision)
                    .filter(r -> "deny".equals(r.decision()))
                    .toList();
            assertTrue(
                    denials.stream().anyMatch(r -> r.rules().contains("budget.xattr-bytes") && r.errno() == 12),
                    "the refusals are recorded as denials by the budget");
        }
    }

    private static String tail(String output) {
        return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }
}
