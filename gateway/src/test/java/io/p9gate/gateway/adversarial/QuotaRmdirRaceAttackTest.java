package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Red team (R-POL-6): a VM races, on two connections, a Tmkdir in a directory it grew past its first block with
 * the rmdir of that directory. Where the rmdir went first, the Tmkdir's count of the directory found it removed
 * (ext4: size 0) and gave its growth back, as the rmdir did: the live count fell below a restart's scan, room past
 * the quota at each such round (policyadapter.QuotaDirectoryGrowthOnceTest holds the same interleaving
 * deterministically).
 */
class QuotaRmdirRaceAttackTest {
    private static final int AT_REMOVEDIR = 0x200;
    private static final int O_RDWR_CREAT = 02 | 0100;
    private static final String LONG_NAME = "n".repeat(240);
    private static final int ROUNDS = 200;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void anRmdirRacingACreateInTheDirectoryGivesItsGrowthBackOnce() throws Exception {
        target.start();
        P9Client maker = target.connect();
        P9Client remover = target.connect();
        maker.walk(ROOT, 1, "work", "cache");
        remover.walk(ROOT, 1, "work", "cache");
        // Counted bytes, so a count given back twice shows instead of stopping at 0.
        maker.walk(1, 3);
        maker.lcreate(3, "kept", O_RDWR_CREAT, 0644, 0);
        maker.write(3, 0, new byte[512 * 1024]);
        maker.clunk(3);
        int removedFirst = 0;
        for (int round = 0; round < ROUNDS; round++) {
            maker.mkdir(1, "D", 0755, 0);
            maker.walk(1, 2, "D");
            // 17 long names: ext4 makes the one-block directory three, 8 KiB counted.
            for (int i = 0; i < 17; i++) {
                maker.symlink(2, LONG_NAME + i, "t", 0);
            }
            for (int i = 0; i < 17; i++) {
                maker.unlinkat(2, LONG_NAME + i, 0);
            }
            CyclicBarrier go = new CyclicBarrier(2);
            CompletableFuture<Boolean> made = CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    maker.mkdir(2, "x", 0755, 0);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            go.await();
            boolean removed;
            try {
                remover.unlinkat(1, "D", AT_REMOVEDIR);
                removed = true;
            } catch (P9Exception e) {
                removed = false; // ENOTEMPTY: the Tmkdir went first
            }
            if (!made.get() && removed) {
                removedFirst++;
            }
            if (!removed) {
                maker.unlinkat(2, "x", AT_REMOVEDIR);
                remover.unlinkat(1, "D", AT_REMOVEDIR);
            }
            maker.clunk(2);
        }
        assertEquals(
                target.usageAfterRestart(),
                target.usageNow(),
                removedFirst + " of " + ROUNDS + " rounds removed the directory before the Tmkdir in it");
    }
}
