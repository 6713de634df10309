package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.backend.Entries;
import io.p9gate.gateway.client.P9Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Tunlinkat's quota credit is read under the quota's lock of the file it looked at, before the entry's lock
 * (EntryLocks, taken in Entries.unlinkAt): another VM's rename onto the name in between has the unlink remove the
 * renamed file while the quota credits the one it looked at. The peer VM's Tremove holds the entry's lock (seam
 * Entries.whileRemoving) until mallory's Tunlinkat waits for it after its look; then {@code g} is renamed onto
 * {@code f} (on the host, standing for the peer's rename landing just before the lock) and the Tremove gives up.
 * The unlink removes {@code g}: mallory's usage must drop by {@code g}'s, not by {@code f}'s.
 */
class QuotaUnlinkRenameRaceAttackTest {
    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @AfterEach
    void removeSeam() {
        Entries.whileRemoving(null);
    }

    @Test
    void anUnlinkCreditsTheFileItRemovedNotTheOneItLookedAt() throws Exception {
        Path g = target.scope.resolve("g");
        Files.write(g, new byte[600 * 1024]);
        target.start();
        long withG = target.usageNow().bytes();
        Path f = target.scope.resolve("f");
        Files.write(f, new byte[100 * 1024]);
        target.reload(); // f counted as the start-up scan counts it
        long withBoth = target.usageNow().bytes();
        long ofG = withG;
        long ofF = withBoth - withG;
        assertTrue(ofF > 0 && ofF != ofG, ofF + " " + ofG);

        P9Client mallory = target.connect();
        P9Client peer = target.connectPeer();
        mallory.walk(ROOT, 1, "work", "cache");
        peer.walk(ROOT, 1, "work", "cache", "f");
        CountDownLatch held = new CountDownLatch(1);
        Entries.whileRemoving(() -> {
            held.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Entries.entryLockAwaited() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            try {
                Files.move(g, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("the peer's Tremove gives up: the entry is mallory's to unlink");
        });
        Thread removing = Thread.ofPlatform().start(() -> {
            try {
                peer.remove(1);
            } catch (Exception e) {
                // the seam's give-up
            }
        });
        assertTrue(held.await(20, TimeUnit.SECONDS));
        mallory.unlinkat(1, "f", 0);
        removing.join();

        assertTrue(Files.notExists(f) && Files.notExists(g));
        assertEquals(withBoth - ofG, target.usageNow().bytes(), "credited f's " + ofF + " instead of g's " + ofG);
    }
}
