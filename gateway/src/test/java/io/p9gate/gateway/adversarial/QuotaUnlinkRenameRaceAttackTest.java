package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.TMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Tunlinkat's or a rename's quota credit for the file it removes or replaces is read under the quota's lock of
 * the file it looked at; the entry's lock (EntryLocks) was taken only after, in Entries.unlinkAt or renameAt. Another
 * VM's rename of {@code g} onto {@code f} in between ({@link QuotaAttackGateway#renamedOntoMeanwhile}) had the unlink
 * remove, or the rename of {@code a} replace, {@code g} while the quota credited {@code f}: mallory's usage must drop
 * by {@code g}'s 600 KiB, not by {@code f}'s 100 KiB (the other way round, a big file's usage was given back for a
 * small one).
 */
class QuotaUnlinkRenameRaceAttackTest {
    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    private Path g;
    private Path f;
    private Path a;
    private long withAll;
    private long ofG;
    private P9Client mallory;

    @BeforeEach
    void countGThenFAndA() throws Exception {
        g = target.scope.resolve("g");
        Files.write(g, new byte[600 * 1024]);
        target.start();
        ofG = target.usageNow().bytes();
        f = target.scope.resolve("f");
        Files.write(f, new byte[100 * 1024]);
        a = target.scope.resolve("a");
        Files.write(a, new byte[] {1});
        target.reload(); // f and a counted as the start-up scan counts them
        withAll = target.usageNow().bytes();
        assertTrue(withAll - ofG > 0 && withAll - ofG < ofG, withAll + " " + ofG);
        mallory = target.connect();
        mallory.walk(ROOT, 1, "work", "cache");
    }

    @Test
    void anUnlinkCreditsTheFileItRemovedNotTheOneItLookedAt() throws Exception {
        target.renamedOntoMeanwhile(g, "f", () -> mallory.unlinkat(1, "f", 0));

        assertTrue(Files.notExists(f) && Files.notExists(g));
        assertEquals(withAll - ofG, target.usageNow().bytes(), "credited f's instead of g's " + ofG);
    }

    @Test
    void aRenameCreditsTheFileItReplacedNotTheOneItLookedAt() throws Exception {
        target.renamedOntoMeanwhile(g, "f", () -> mallory.renameat(1, "a", 1, "f"));

        assertReplacedG();
    }

    @Test
    void aFidsRenameCreditsTheFileItReplacedNotTheOneItLookedAt() throws Exception {
        mallory.walk(1, 2, "a");
        target.renamedOntoMeanwhile(g, "f", () -> mallory.rpc(new TMessage.Trename(2, 1, "f")));

        assertReplacedG();
    }

    private void assertReplacedG() throws Exception {
        assertTrue(Files.notExists(a) && Files.notExists(g));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(f));
        assertEquals(withAll - ofG, target.usageNow().bytes(), "credited f's instead of g's " + ofG);
    }
}
