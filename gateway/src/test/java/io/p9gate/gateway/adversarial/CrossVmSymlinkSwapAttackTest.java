package io.p9gate.gateway.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.fs.AuditEntry;
import io.p9gate.gateway.fs.Operation;
import io.p9gate.gateway.proto.P9Exception;
import io.p9gate.gateway.proto.Qid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R-CONF-1 across two VMs on one host folder: alpha, in a loop, swaps the directory {@code pub/d} on beta's walk
 * path for a symlink to {@code /} (and back), while beta, in a loop, walks {@code pub/d/etc/hostname} and creates
 * in a fid it walked to {@code pub/d} before the swap. Every name is looked up beneath the share without following
 * symlinks, so beta never reaches the host's {@code /etc}, and its creates land in the directory its fid holds,
 * recorded at that directory's path now (test only, no defect).
 */
class CrossVmSymlinkSwapAttackTest {
    private static final int WALKS = 3000;
    private static final int RDWR = 2;
    private static final int O_CREAT = 0100;

    @TempDir
    Path tmp;

    @Test
    void anotherVmsSymlinkSwapOnTheWalkPathNeverLeadsOutOfTheShare() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("srv/data"));
        Files.createDirectories(data.resolve("pub/d/etc"));
        Files.writeString(data.resolve("pub/d/etc/hostname"), "inside");
        List<String> escapes = new CopyOnWriteArrayList<>();
        AtomicInteger swaps = new AtomicInteger();
        try (OverlappingSharesRig rig = new OverlappingSharesRig(tmp, data, data, "hidden: [/secret]")) {
            P9Client alpha = rig.alpha;
            P9Client beta = rig.beta;
            alpha.walk(0, 10, "pub");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Exception> swapperFailed = new AtomicReference<>();
            Thread swapper = Thread.ofPlatform().start(() -> {
                try {
                    while (!stop.get()) {
                        alpha.renameat(10, "d", 10, "d-real");
                        alpha.symlink(10, "d", "/", 0);
                        alpha.unlinkat(10, "d", 0);
                        alpha.renameat(10, "d-real", 10, "d");
                        swaps.incrementAndGet();
                    }
                } catch (Exception e) {
                    swapperFailed.set(e);
                }
            });
            int created = 0;
            try {
                for (int i = 0; i < WALKS && escapes.isEmpty(); i++) {
                    try {
                        List<Qid> qids = beta.walk(0, 2, "pub", "d", "etc", "hostname");
                        if (qids.size() == 4) {
                            beta.lopen(2, 0);
                            String got = new String(beta.read(2, 0, 64));
                            if (!got.equals("inside")) {
                                escapes.add("walk " + i + " read " + got);
                            }
                        }
                        clunkIfMade(beta, 2);
                    } catch (P9Exception expected) {
                        // ENOENT, ENOTDIR: d was the symlink or between names
                    }
                    try {
                        beta.walk(0, 3, "pub", "d");
                        beta.lcreate(3, "n" + i, RDWR | O_CREAT, 0644, 0);
                        beta.clunk(3);
                        created++;
                    } catch (P9Exception expected) {
                        clunkIfMade(beta, 3);
                    }
                }
            } finally {
                stop.set(true);
                swapper.join();
            }
            assertEquals(null, swapperFailed.get());
            assertEquals(List.of(), escapes);
            assertTrue(swaps.get() > 100, "the swap raced the walks: " + swaps.get() + " swaps");
            assertTrue(created > 0, "some creates ran");
            try (var names = Files.list(data.resolve("pub/d"))) {
                assertEquals(created + 1, names.count(), "every create landed in the real pub/d, none elsewhere");
            }
            for (AuditEntry r : rig.records) {
                if (r.request().vm().equals("beta") && r.request().operation() == Operation.CREATE) {
                    String path = r.request().paths().getFirst();
                    assertTrue(
                            path.startsWith("pub/d/n") || path.startsWith("pub/d-real/n"),
                            "a create is recorded where it was made: " + r);
                }
            }
        }
    }

    /** A walk that stopped early made no fid: its clunk is EBADF. */
    private static void clunkIfMade(P9Client client, int fid) throws Exception {
        try {
            client.clunk(fid);
        } catch (P9Exception notMade) {
            // EBADF
        }
    }
}
