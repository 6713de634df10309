package io.p9gate.gateway.adversarial;

import static io.p9gate.gateway.adversarial.QuotaAttackGateway.LIMIT;
import static io.p9gate.gateway.adversarial.QuotaAttackGateway.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.p9gate.gateway.client.P9Client;
import io.p9gate.gateway.proto.P9Exception;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rename into a quota's scope is counted from a look at its source taken before the rename, and a source not
 * there went ahead uncounted. One connection of the VM renames a 2 MiB file outside the scope back and forth
 * between {@code big} and {@code x}; another renames {@code x} into a 1 MiB scope, which is EDQUOT whenever the
 * look finds it. Before the fix one of the renames found {@code x} missing at the look and there at the rename
 * within 65 to 1,057 tries in three runs: 2 MiB in the 1 MiB scope, uncounted, and again with every
 * further file, so the quota bounded nothing. A source missing at the look is now the host's ENOENT.
 */
class QuotaRenameRaceAttackTest {
    private static final int TRIES = 5000;

    @RegisterExtension
    final QuotaAttackGateway target = new QuotaAttackGateway();

    @Test
    void aSourceAppearingBetweenTheLookAndTheRenameDoesNotEnterTheScopeUncounted() throws Exception {
        Files.write(target.share.resolve("big"), new byte[2 * LIMIT]);
        target.start();
        P9Client mover = target.connect();
        P9Client swapper = target.connect();
        mover.walk(ROOT, 1, "work", "cache");
        AtomicBoolean stop = new AtomicBoolean();
        Thread swapping = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    swapper.renameat(ROOT, "big", ROOT, "x");
                    swapper.renameat(ROOT, "x", ROOT, "big");
                }
            } catch (Exception e) {
                // the file went into the scope: the assertion below says so
            }
        });
        int tries = 0;
        try {
            for (; tries < TRIES && target.hostBytesInScope() == 0; tries++) {
                try {
                    mover.renameat(ROOT, "x", 1, "x");
                } catch (P9Exception e) {
                    // ENOENT (not there) or EDQUOT (too big): both keep the scope within its quota
                }
            }
        } finally {
            stop.set(true);
            swapping.join();
        }

        assertTrue(
                target.hostBytesInScope() <= LIMIT,
                target.hostBytesInScope() + " bytes in the scope after " + tries + " tries");
        assertEquals(target.usageAfterRestart(), target.usageNow());
    }
}
